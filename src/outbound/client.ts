import type { Dispatcher } from 'undici';
import { SwitchboardError } from '../errors.js';
import type { OutboundPolicy } from './policy.js';
import { followRedirects, type Hop } from './redirects.js';

/**
 * The one way Switchboard reaches user-defined URLs (tool calls, imports, OAuth endpoints): a
 * dispatcher that checks every connection against the policy, and redirects followed hop by hop.
 * undici (~150 ms to load) is loaded with the first call, not at start-up.
 */
export interface OutboundClient {
  readonly policy: OutboundPolicy;
  dispatcher(): Promise<Dispatcher>;
  /**
   * `fetch` through the checked dispatcher, for protocol clients written against fetch (OAuth,
   * imports). Redirects are followed here, each hop re-checked, credentials dropped across origins;
   * `redirect: 'manual'` returns the 3xx answer instead. A refused address throws OUTBOUND_BLOCKED.
   */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The policy's own error when a connection was refused (undici wraps it as the cause of a TypeError). */
export function refusalIn(error: unknown): SwitchboardError | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof SwitchboardError) return current;
  }
  return undefined;
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
    async fetch(url, init = {}) {
      const { headers, body, method, redirect, ...rest } = init;
      const first: Hop<RequestInit['body']> = {
        url: typeof url === 'string' ? new URL(url) : url,
        method: (method ?? 'GET').toUpperCase(),
        headers: Object.fromEntries(new Headers(headers)),
        ...(body != null ? { body } : {}),
      };
      const { dispatcher, fetch } = await load();
      const send = async (hop: Hop<RequestInit['body']>): Promise<Response> => {
        const hopInit = { ...rest, method: hop.method, headers: hop.headers, body: hop.body, redirect: 'manual', dispatcher };
        try {
          return (await fetch(hop.url, hopInit as Parameters<typeof fetch>[1])) as unknown as Response;
        } catch (error) {
          throw refusalIn(error) ?? error;
        }
      };
      if (redirect === 'manual' || redirect === 'error') {
        policy.checkUrl(first.url);
        const answer = await send(first);
        if (redirect === 'error' && answer.status >= 300 && answer.status < 400 && answer.headers.has('location')) {
          await answer.body?.cancel();
          throw new SwitchboardError('UPSTREAM_ERROR', `${first.url.host} answered with a redirect (HTTP ${answer.status}), which this call does not follow.`, {
            host: first.url.host,
            status: answer.status,
          });
        }
        return answer;
      }
      return followRedirects(policy, first, {
        send,
        status: (answer) => answer.status,
        location: (answer) => answer.headers.get('location') ?? undefined,
        discard: async (answer) => answer.body?.cancel(),
      });
    },
    async close() {
      if (loaded) await (await loaded).dispatcher.close();
    },
  };
}
