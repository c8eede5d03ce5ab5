import { describe, expect, it } from 'vitest';
import { SwitchboardError } from '../../src/errors.js';
import { createOutboundPolicy } from '../../src/outbound/index.js';

/** Every spelling of an address the policy must judge by the IPv4 address it stands for. */
const blocked: [string, string][] = [
  ['::ffff:127.0.0.1', 'IPv4-mapped, dotted'],
  ['::ffff:7f00:1', 'IPv4-mapped, hex'],
  ['0:0:0:0:0:ffff:7f00:0001', 'IPv4-mapped, uncompressed'],
  ['::FFFF:A9FE:A9FE', 'IPv4-mapped metadata, upper case'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated (SIIT)'],
  ['::127.0.0.1', 'IPv4-compatible, dotted'],
  ['::7f00:1', 'IPv4-compatible, hex'],
  ['::a9fe:a9fe', 'IPv4-compatible metadata'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of 169.254.169.254'],
  ['64:ff9b::127.0.0.1', 'NAT64 of loopback, dotted'],
  ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
  ['64:ff9b:1::8.8.8.8', 'local-use NAT64 prefix, whatever it embeds'],
  ['2002:7f00:1::', '6to4 of loopback'],
  ['2002:a9fe:a9fe::1', '6to4 of metadata'],
  ['2002:c0a8:101:1::1', '6to4 of 192.168.1.1'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo of client 127.0.0.1 (inverted)'],
  ['fec0::1', 'site-local'],
  ['feff::1', 'site-local, top of the range'],
  ['fe80::1%eth0', 'link-local with a zone'],
  ['fd00:ec2::254', 'AWS metadata over IPv6'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['100::1', 'discard-only'],
  ['2001:db8::1', 'documentation'],
  ['ff02::1', 'multicast'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback, end of the range'],
  ['0.0.0.0', 'this network'],
  ['10.1.2.3', 'private'],
  ['100.64.0.1', 'shared address space'],
  ['169.254.169.254', 'metadata'],
  ['172.31.255.255', 'private'],
  ['192.168.0.1', 'private'],
  ['198.18.0.1', 'benchmarking'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
];

const reachable: [string, string][] = [
  ['93.184.216.34', 'public IPv4'],
  ['1.1.1.1', 'public IPv4'],
  ['2606:4700:4700::1111', 'public IPv6'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public'],
  ['::ffff:808:808', 'IPv4-mapped public, hex'],
  ['64:ff9b::808:808', 'NAT64 of a public address'],
  ['2002:808:808::1', '6to4 of a public address'],
  ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'Teredo of client 8.8.8.8'],
  ['172.32.0.1', 'just outside 172.16.0.0/12'],
  ['fe7f::1', 'just below link-local'],
];

/** A URL whose host is the literal (zones cannot be written in URLs). */
function urlOf(address: string): URL {
  return new URL(address.includes(':') ? `http://[${address.replace(/%.*/, '')}]/` : `http://${address}/`);
}

describe('outbound address policy', () => {
  const policy = createOutboundPolicy([]);

  it.each(blocked)('blocks %s (%s)', (address) => {
    expect(() => policy.check('host.example', address)).toThrow(SwitchboardError);
    expect(() => policy.checkUrl(urlOf(address))).toThrow(/SWITCHBOARD_ALLOW_PRIVATE_NETWORKS/);
  });

  it.each(reachable)('allows %s (%s)', (address) => {
    expect(() => policy.check('host.example', address)).not.toThrow();
  });

  it.each([
    ['http://2130706433/', 'decimal'],
    ['http://0x7f.1/', 'hex and short'],
    ['http://0177.0.0.1/', 'octal'],
    ['http://127.1/', 'short'],
    ['http://0xa9.0xfe.0xa9.0xfe/', 'hex metadata'],
    ['http://[::ffff:127.0.0.1]:8080/', 'mapped, bracketed with a port'],
    ['http://localhost./', 'localhost with the root dot'],
    ['http://api.localhost/', 'a localhost subdomain'],
  ])('checks the WHATWG-normalised host of %s (%s)', (url) => {
    expect(() => policy.checkUrl(new URL(url))).toThrow(expect.objectContaining({ code: 'OUTBOUND_BLOCKED' }));
  });

  it('refuses a resolver answer that is not an address', () => {
    expect(() => policy.check('host.example', 'not-an-address')).toThrow(SwitchboardError);
  });

  it('refuses schemes other than http and https', () => {
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1/', 'ftp://example.com/']) {
      expect(() => policy.checkUrl(new URL(url)), url).toThrow(/http and https/);
    }
  });
});

describe('outbound allow list', () => {
  it('allows an IPv4 entry in every IPv6 form that embeds it, and nothing next to it', () => {
    const policy = createOutboundPolicy(['127.0.0.2']);
    for (const address of ['127.0.0.2', '::ffff:127.0.0.2', '::ffff:7f00:2', '64:ff9b::7f00:2', '2002:7f00:2::1', '::127.0.0.2']) {
      expect(() => policy.check('h', address), address).not.toThrow();
    }
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::7f00:1', '2002:7f00:1::', '::1', '::127.0.0.1']) {
      expect(() => policy.check('h', address), address).toThrow(SwitchboardError);
    }
  });

  it('allows CIDRs of both families, IPv6 entries and host names', () => {
    const policy = createOutboundPolicy(['10.0.0.0/8', 'fd00::/8', '::1', 'Internal.Example', ' 64:ff9b::/96 ']);
    expect(() => policy.check('a', '10.9.9.9')).not.toThrow();
    expect(() => policy.check('a', 'fd12::1')).not.toThrow();
    expect(() => policy.check('a', 'fc00::1')).toThrow(SwitchboardError);
    expect(() => policy.check('a', '::1')).not.toThrow();
    expect(() => policy.check('a', '64:ff9b::7f00:1')).not.toThrow();
    expect(() => policy.check('a', '127.0.0.1')).toThrow(SwitchboardError);
    expect(() => policy.check('internal.example', '192.168.0.1')).not.toThrow();
    expect(() => policy.check('internal.example.', '192.168.0.1')).not.toThrow();
    expect(() => policy.checkUrl(new URL('http://[fd00::5]/'))).not.toThrow();
  });

  it('names the host and address in the refusal, and how to allow it', () => {
    const policy = createOutboundPolicy([]);
    let caught: unknown;
    try {
      policy.checkUrl(new URL('http://[64:ff9b::a9fe:a9fe]/latest/meta-data'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'OUTBOUND_BLOCKED',
      message: expect.stringMatching(/64:ff9b::a9fe:a9fe.*SWITCHBOARD_ALLOW_PRIVATE_NETWORKS/),
      details: { host: '64:ff9b::a9fe:a9fe' },
    });
  });
});
