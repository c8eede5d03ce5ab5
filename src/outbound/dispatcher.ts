import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent } from 'undici';
import type { OutboundPolicy } from './policy.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * An undici dispatcher whose DNS lookups go through the policy, so the address checked is the
 * address connected to (no window for DNS rebinding between check and connect).
 */
export function createOutboundDispatcher(policy: OutboundPolicy): Agent {
  return new Agent({
    keepAliveTimeout: 10_000,
    connections: 64,
    connect: {
      lookup(hostname: string, options: LookupOptions, callback: LookupCallback) {
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
      },
    },
  });
}
