import { SwitchboardError } from '../errors.js';
import { contains, embeddedIpv4, type Ip, type Network, parseIp, parseNetwork } from './addresses.js';

/**
 * Addresses an outbound call to a user-defined URL may not reach (RFC 6890 special-purpose ranges).
 * IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are not listed:
 * they are judged by the IPv4 address they embed (see embeddedIpv4).
 */
const forbiddenRanges = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, including the cloud metadata service 169.254.169.254
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4', // including 255.255.255.255
  '::/128',
  '::1/128',
  '64:ff9b:1::/48', // local-use NAT64 (RFC 8215): translates into the operator's own network
  '100::/64', // discard-only
  '2001:db8::/32', // documentation
  'fc00::/7', // unique local, including fd00:ec2::254
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated, still routed by some networks)
  'ff00::/8', // multicast
].map((text) => parseNetwork(text)!);

export interface OutboundPolicy {
  /** Throws OUTBOUND_BLOCKED unless `address` (resolved from `hostname`) may be reached. */
  check(hostname: string, address: string): void;
  /** Checks what can be checked before DNS: the scheme, IP literals and `localhost` names. */
  checkUrl(url: URL): void;
}

function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

export function blockedError(hostname: string, address: string): SwitchboardError {
  return new SwitchboardError(
    'OUTBOUND_BLOCKED',
    `Refused to call ${hostname}: ${bareHost(hostname) === address.toLowerCase() ? 'it' : `it resolves to ${address}, which`} is a loopback, private, link-local or metadata address (or an IPv6 form of one). An operator can allow it with SWITCHBOARD_ALLOW_PRIVATE_NETWORKS.`,
    { host: hostname, address },
  );
}

/**
 * @param allowed entries of SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: IPs, CIDRs (`10.0.0.0/8`) or
 *   host names, which may be reached even though they are private.
 */
export function createOutboundPolicy(allowed: readonly string[]): OutboundPolicy {
  const allowedNetworks: Network[] = [];
  const allowedHosts = new Set<string>();
  for (const entry of allowed.map((item) => item.trim()).filter(Boolean)) {
    const network = parseNetwork(entry);
    if (network) allowedNetworks.push(network);
    else allowedHosts.add(bareHost(entry));
  }

  function reachable(ip: Ip): boolean {
    if (allowedNetworks.some((network) => contains(network, ip))) return true;
    if (forbiddenRanges.some((network) => contains(network, ip))) return false;
    return embeddedIpv4(ip).every(reachable);
  }

  function check(hostname: string, address: string): void {
    if (allowedHosts.has(bareHost(hostname))) return;
    const ip = parseIp(address);
    // Not an address at all (a resolver handing back a name): refuse rather than guess.
    if (!ip || !reachable(ip)) throw blockedError(hostname, address);
  }

  return {
    check,
    checkUrl(url) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new SwitchboardError('OUTBOUND_BLOCKED', `Only http and https URLs can be called, not ${url.protocol}`, { url: url.origin });
      }
      // url.hostname is already WHATWG-normalised: 2130706433, 0x7f.1 and 127.1 all read 127.0.0.1 here.
      const host = bareHost(url.hostname);
      if (parseIp(host)) check(host, host);
      else if (host === 'localhost' || host.endsWith('.localhost')) check(host, '127.0.0.1');
    },
  };
}
