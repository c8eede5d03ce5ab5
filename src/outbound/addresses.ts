import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as an integer: 32 bits for IPv4, 128 bits for IPv6. */
export interface Ip {
  family: 4 | 6;
  value: bigint;
}

/** A network: the addresses of `family` whose first `prefix` bits equal those of `base`. */
export interface Network {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

const ipv4Mask = 0xffff_ffffn;

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

/** Expects a valid IPv6 text (checked with isIPv6); a trailing dotted IPv4 counts as the last two groups. */
function parseIpv6(text: string): bigint {
  let groupsText = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]!);
    groupsText = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = groupsText.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/** Parses an IP literal (IPv6 with or without brackets and zone); undefined for anything else, host names included. */
export function parseIp(text: string): Ip | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return { family: 4, value: parseIpv4(bare) };
  if (isIPv6(bare)) return { family: 6, value: parseIpv6(bare) };
  return undefined;
}

/** Parses `address` or `address/prefix`; undefined when it is not one. */
export function parseNetwork(text: string): Network | undefined {
  const [address = '', prefixText, ...rest] = text.split('/');
  const ip = parseIp(address);
  if (!ip || rest.length > 0) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return undefined;
  return { family: ip.family, base: ip.value, prefix };
}

export function contains(network: Network, ip: Ip): boolean {
  if (network.family !== ip.family) return false;
  const shift = BigInt((ip.family === 4 ? 32 : 128) - network.prefix);
  return network.base >> shift === ip.value >> shift;
}

function v6(text: string, prefix: number): Network {
  return parseNetwork(`${text}/${prefix}`)!;
}

/**
 * IPv4 addresses an IPv6 address stands for: the packets of these forms end up at (or are translated
 * to) the embedded IPv4 address, so it must pass the IPv4 rules too.
 */
export function embeddedIpv4(ip: Ip): Ip[] {
  if (ip.family !== 6) return [];
  const low = ip.value & ipv4Mask;
  const forms: [Network, bigint][] = [
    [v6('::ffff:0:0', 96), low], // IPv4-mapped, in every spelling (::ffff:7f00:1 is ::ffff:127.0.0.1)
    [v6('::ffff:0:0:0', 96), low], // IPv4-translated (SIIT)
    [v6('::', 96), low], // IPv4-compatible (deprecated), ::a.b.c.d
    [v6('64:ff9b::', 96), low], // NAT64 well-known prefix
    [v6('2002::', 16), (ip.value >> 80n) & ipv4Mask], // 6to4: 2002:AABB:CCDD::/48
    [v6('2001::', 32), ~ip.value & ipv4Mask], // Teredo: the client's IPv4, stored inverted
  ];
  return forms.filter(([network]) => contains(network, ip)).map(([, value]) => ({ family: 4, value }));
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  const groups = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((ip.value >> shift) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
