import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { SwitchboardError } from '../../src/errors.js';
import { createOutboundDispatcher } from '../../src/outbound/dispatcher.js';
import { createOutboundPolicy } from '../../src/outbound/index.js';

describe('outbound policy', () => {
  it('blocks special-purpose addresses and allows public ones', () => {
    const policy = createOutboundPolicy([]);
    for (const address of [
      '127.0.0.1',
      '10.0.0.5',
      '172.20.1.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
    ]) {
      expect(() => policy.check('host.example', address), address).toThrow(SwitchboardError);
    }
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111']) expect(() => policy.check('host.example', address)).not.toThrow();
  });

  it('lets an operator allow CIDRs, single addresses and host names', () => {
    const policy = createOutboundPolicy(['10.0.0.0/8', '127.0.0.1', 'internal.example']);
    expect(() => policy.check('a', '10.9.9.9')).not.toThrow();
    expect(() => policy.check('a', '127.0.0.1')).not.toThrow();
    expect(() => policy.check('a', '127.0.0.2')).toThrow(SwitchboardError);
    expect(() => policy.check('internal.example', '192.168.0.1')).not.toThrow();
    expect(() => policy.checkUrl(new URL('file:///etc/passwd'))).toThrow(/http and https/);
  });

  it('checks the address actually resolved at connect time (names that resolve to loopback)', async () => {
    const server = createServer((_request, response) => response.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const blocked = createOutboundDispatcher(createOutboundPolicy([]));
    const error = await request(`http://localhost:${port}/`, { dispatcher: blocked }).catch((caught: unknown) => caught);
    const chain: unknown[] = [];
    for (let current = error; current; current = (current as { cause?: unknown }).cause) chain.push(current);
    expect(chain.some((item) => item instanceof SwitchboardError && item.code === 'OUTBOUND_BLOCKED')).toBe(true);

    const allowed = createOutboundDispatcher(createOutboundPolicy(['127.0.0.1', '::1']));
    const response = await request(`http://localhost:${port}/`, { dispatcher: allowed });
    expect(await response.body.text()).toBe('reached');
    await Promise.all([blocked.close(), allowed.close()]);
    server.close();
  });
});
