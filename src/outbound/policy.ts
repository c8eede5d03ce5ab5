import { BlockList, isIP } from 'node:net';
import { SwitchboardError } from '../errors.js';

/** Addresses an outbound call to a user-defined URL may not reach (RFC 6890 special-purpose ranges). */
const forbiddenRanges: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, including the cloud metadata service 169.254.169.254
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'], // unique local, including fd00:ec2::254
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

function blockListOf(entries: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [address, prefix, family] of entries) list.addSubnet(address, prefix, family);
  return list;
}

const forbidden = blockListOf(forbiddenRanges);

function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export interface OutboundPolicy {
  /** Throws OUTBOUND_BLOCKED unless `address` (resolved from `hostname`) may be reached. */
  check(hostname: string, address: string): void;
  /** Checks what can be checked before DNS: IP literals and names on the allow list. */
  checkUrl(url: URL): void;
}

/**
 * @param allowed entries of SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: IPs, CIDRs (`10.0.0.0/8`) or
 *   host names, which may be reached even though they are private.
 */
export function createOutboundPolicy(allowed: readonly string[]): OutboundPolicy {
  const allowedNetworks = new BlockList();
  const allowedHosts = new Set<string>();
  for (const entry of allowed.map((item) => item.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (family) {
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
      allowedNetworks.addSubnet(address!, bits, family === 4 ? 'ipv4' : 'ipv6');
    } else {
      allowedHosts.add(entry.toLowerCase());
    }
  }

  function check(hostname: string, rawAddress: string): void {
    if (allowedHosts.has(hostname.toLowerCase())) return;
    const { address, family } = normalise(rawAddress);
    if (!forbidden.check(address, family) || allowedNetworks.check(address, family)) return;
    throw new SwitchboardError(
      'OUTBOUND_BLOCKED',
      `Refused to call ${hostname} (${address}): it is a loopback, private, link-local or metadata address. An operator can allow it with SWITCHBOARD_ALLOW_PRIVATE_NETWORKS.`,
      { host: hostname, address },
    );
  }

  return {
    check,
    checkUrl(url) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new SwitchboardError('OUTBOUND_BLOCKED', `Only http and https URLs can be called, not ${url.protocol}`, { url: url.origin });
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) check(host, host);
      else if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost')) check(host, '127.0.0.1');
    },
  };
}
