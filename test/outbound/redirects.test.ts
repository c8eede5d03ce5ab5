import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOutboundDispatcher } from '../../src/outbound/dispatcher.js';
import { createOutboundClient, createOutboundPolicy, type OutboundClient } from '../../src/outbound/index.js';
import { closedPort, type LoopbackServer, redirectUrl, startLoopbackServer } from '../helpers/loopback-servers.js';

/**
 * The policy allows 127.0.0.2 only: the first hop is reachable, and every redirect target below is
 * a spelling of a loopback address where a server listens that must never be reached.
 */
describe('outbound fetch follows redirects hop by hop', () => {
  let first: LoopbackServer;
  let otherOrigin: LoopbackServer;
  let internal: LoopbackServer;
  let internal6: LoopbackServer;
  let outbound: OutboundClient;

  beforeAll(async () => {
    [first, otherOrigin, internal, internal6] = await Promise.all([
      startLoopbackServer('127.0.0.2'),
      startLoopbackServer('127.0.0.2'),
      startLoopbackServer('127.0.0.1'),
      startLoopbackServer('::1'),
    ]);
    outbound = createOutboundClient(createOutboundPolicy(['127.0.0.2']));
  });
  afterAll(async () => {
    await outbound?.close();
    await Promise.all([first, otherOrigin, internal, internal6].map((server) => server?.close()));
  });
  beforeEach(() => {
    for (const server of [first, otherOrigin, internal, internal6]) server.requests.length = 0;
  });

  const refusal = (url: string, init?: RequestInit) =>
    outbound.fetch(url, init).then(
      (response) => ({ code: 'NONE', message: `answered ${response.status}` }),
      (error: { code?: string; message: string }) => ({ code: error.code, message: error.message }),
    );

  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/spec.json`],
    ['[::1]', (_port: number, port6: number) => `http://[::1]:${port6}/spec.json`],
    ['[::ffff:127.0.0.1]', (port: number) => `http://[::ffff:127.0.0.1]:${port}/spec.json`],
    ['[::ffff:7f00:1]', (port: number) => `http://[::ffff:7f00:1]:${port}/spec.json`],
    ['[::127.0.0.1]', (port: number) => `http://[::127.0.0.1]:${port}/spec.json`],
    ['[64:ff9b::7f00:1]', (port: number) => `http://[64:ff9b::7f00:1]:${port}/spec.json`],
    ['[2002:7f00:1::]', (port: number) => `http://[2002:7f00:1::]:${port}/spec.json`],
    ['2130706433', (port: number) => `http://2130706433:${port}/spec.json`],
    ['0x7f.1', (port: number) => `http://0x7f.1:${port}/spec.json`],
    ['localhost', (port: number) => `http://localhost:${port}/spec.json`],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses a redirect to %s without reaching it', async (_name, target) => {
    const result = await refusal(redirectUrl(first, target(internal.port, internal6.port)));
    expect(result).toMatchObject({ code: 'OUTBOUND_BLOCKED', message: expect.stringContaining('SWITCHBOARD_ALLOW_PRIVATE_NETWORKS') });
    expect(first.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
    expect(internal6.requests).toHaveLength(0);
  });

  it('refuses a redirect to a blocked address with the same words whether something listens there or not', async () => {
    const closed = await closedPort('127.0.0.1');
    const listening = await refusal(redirectUrl(first, `http://127.0.0.1:${internal.port}/spec.json`));
    const nothing = await refusal(redirectUrl(first, `http://127.0.0.1:${closed}/spec.json`));
    expect(listening.code).toBe('OUTBOUND_BLOCKED');
    expect(nothing).toEqual(listening);
    expect(listening.message).not.toMatch(/ECONNREFUSED|answered|HTTP \d/);
    expect(internal.requests).toHaveLength(0);
  });

  it('refuses a redirect to another scheme', async () => {
    expect(await refusal(redirectUrl(first, 'file:///etc/passwd'))).toMatchObject({
      code: 'OUTBOUND_BLOCKED',
      message: expect.stringMatching(/http and https/),
    });
  });

  it('follows allowed redirects, dropping credentials across origins as browsers do', async () => {
    const target = `${otherOrigin.origin}/spec.json`;
    const headers = { authorization: 'Bearer secret', cookie: 'a=b', 'x-trace': 't1' };
    const response = await outbound.fetch(redirectUrl(first, `${first.origin}/redirect?to=${encodeURIComponent(target)}`), { headers });
    expect(await response.json()).toEqual({ internal: true, path: '/spec.json' });
    expect(first.requests.map((item) => item.headers.authorization)).toEqual(['Bearer secret', 'Bearer secret']);
    const [arrived] = otherOrigin.requests;
    expect(arrived!.headers).toMatchObject({ 'x-trace': 't1' });
    expect(arrived!.headers.authorization).toBeUndefined();
    expect(arrived!.headers.cookie).toBeUndefined();
  });

  it('turns a POST into a GET on 303 and repeats it with its body on 307', async () => {
    const init = { method: 'POST', body: 'grant_type=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    await (await outbound.fetch(redirectUrl(first, `${otherOrigin.origin}/after-303`, 303), init)).text();
    await (await outbound.fetch(redirectUrl(first, `${otherOrigin.origin}/after-307`, 307), init)).text();
    expect(otherOrigin.requests.map(({ method, url, body, headers }) => ({ method, url, body, type: headers['content-type'] }))).toEqual([
      { method: 'GET', url: '/after-303', body: '', type: undefined },
      { method: 'POST', url: '/after-307', body: 'grant_type=x', type: 'application/x-www-form-urlencoded' },
    ]);
  });

  it('stops after five redirects', async () => {
    let url = `${otherOrigin.origin}/end`;
    for (let i = 0; i < 6; i++) url = redirectUrl(first, url);
    expect(await refusal(url)).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringMatching(/more than 5 times/) });
    expect(otherOrigin.requests).toHaveLength(0);
  });

  it("returns the redirect itself with redirect: 'manual' (OAuth clients ask for that)", async () => {
    const response = await outbound.fetch(redirectUrl(first, `http://127.0.0.1:${internal.port}/`), { redirect: 'manual' });
    expect(response.status).toBe(302);
    await response.body?.cancel();
    expect(internal.requests).toHaveLength(0);
  });
});

describe('outbound dispatcher', () => {
  it('checks IP-literal hosts before connecting (Node connects to those without a DNS lookup)', async () => {
    const internal = await startLoopbackServer('127.0.0.1');
    const dispatcher = createOutboundDispatcher(createOutboundPolicy(['127.0.0.2']));
    for (const url of [`http://127.0.0.1:${internal.port}/`, `http://[::ffff:127.0.0.1]:${internal.port}/`]) {
      const error = await request(url, { dispatcher }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, url).toMatchObject({ code: 'OUTBOUND_BLOCKED' });
    }
    expect(internal.requests).toHaveLength(0);
    await dispatcher.close();
    await internal.close();
  });
});
