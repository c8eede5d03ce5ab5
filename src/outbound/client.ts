import type { Dispatcher } from 'undici';
import type { OutboundPolicy } from './policy.js';

/**
 * The one way Switchboard reaches user-defined URLs (tool calls, OAuth token endpoints): a
 * dispatcher whose DNS lookups go through the policy. undici (~150 ms to load) is loaded with the
 * first call, not at start-up.
 */
export interface OutboundClient {
  readonly policy: OutboundPolicy;
  dispatcher(): Promise<Dispatcher>;
  /** `fetch` through the checked dispatcher, for protocol clients written against fetch (OAuth). */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export function createOutboundClient(policy: OutboundPolicy): OutboundClient {
  let loaded: Promise<{ dispatcher: Dispatcher; fetch: typeof import('undici').fetch }> | undefined;
  const load = () =>
    (loaded ??= Promise.all([import('undici'), import('./dispatcher.js')]).then(([undici, own]) => ({
      dispatcher: own.createOutboundDispatcher(policy),
      fetch: undici.fetch,
    })));
  return {
    policy,
    dispatcher: async () => (await load()).dispatcher,
    async fetch(url, init) {
      const target = typeof url === 'string' ? new URL(url) : url;
      policy.checkUrl(target);
      const { dispatcher, fetch } = await load();
      return (await fetch(target, { ...(init as object), dispatcher } as Parameters<typeof fetch>[1])) as unknown as Response;
    },
    async close() {
      if (loaded) await (await loaded).dispatcher.close();
    },
  };
}
