import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { OutboundPolicy } from './policy.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function checkedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    dnsLookup(hostname, { family, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      try {
        for (const entry of addresses) policy.check(hostname, entry.address);
      } catch (blocked) {
        return callback(blocked as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/**
 * The one place outbound sockets are opened. Every connection is checked against the policy before
 * it is made: names through the DNS lookup (so the address checked is the address connected to, no
 * window for DNS rebinding), IP literals here, because Node connects to those without a lookup.
 * Nothing is ever sent to a refused address, so its error cannot tell whether anything listens there.
 */
export function createOutboundDispatcher(policy: OutboundPolicy): Agent {
  const connectChecked = buildConnector({ lookup: checkedLookup(policy) } as buildConnector.BuildOptions);
  return new Agent({
    keepAliveTimeout: 10_000,
    connections: 64,
    connect(options, callback) {
      if (isIP(options.hostname)) {
        try {
          policy.check(options.hostname, options.hostname);
        } catch (blocked) {
          return callback(blocked as Error, null);
        }
      }
      return connectChecked(options, callback);
    },
  });
}
