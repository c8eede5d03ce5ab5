import { SwitchboardError } from '../errors.js';
import type { OutboundPolicy } from './policy.js';

export const maxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** One request of a redirect chain; `body` is whatever the sending client accepts, and must be repeatable. */
export interface Hop<Body> {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: Body | undefined;
}

export interface RedirectOptions<Body, Answer> {
  send(hop: Hop<Body>): Promise<Answer>;
  status(answer: Answer): number;
  location(answer: Answer): string | undefined;
  /** Releases the body of a redirect answer that is not returned. */
  discard(answer: Answer): Promise<void>;
  /** Which request headers may go to another origin; by default all but credentials (as browsers do). */
  keepAcrossOrigins?: (name: string) => boolean;
}

const credentialHeaders = new Set(['authorization', 'proxy-authorization', 'cookie']);
const bodyHeaders = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

function methodAfter(status: number, method: string): string {
  if (status === 303 && method !== 'HEAD') return 'GET';
  if ((status === 301 || status === 302) && method === 'POST') return 'GET';
  return method;
}

/**
 * The request a redirect answer asks for (RFC 9110 §15.4, followed as browsers do), with its URL
 * checked against the policy before anything is sent; the dispatcher checks its resolved address.
 */
function nextHop<Body>(
  policy: OutboundPolicy,
  previous: Hop<Body>,
  status: number,
  location: string,
  options: Pick<RedirectOptions<Body, unknown>, 'keepAcrossOrigins'>,
): Hop<Body> {
  let url: URL;
  try {
    url = new URL(location, previous.url);
  } catch {
    throw new SwitchboardError(
      'UPSTREAM_INVALID_RESPONSE',
      `${previous.url.host} redirected to ${JSON.stringify(location.slice(0, 200))}, which is not a URL.`,
      {
        host: previous.url.host,
      },
    );
  }
  policy.checkUrl(url);
  const method = methodAfter(status, previous.method);
  const keepBody = method === previous.method;
  const sameOrigin = url.origin === previous.url.origin;
  const keep = options.keepAcrossOrigins ?? ((name: string) => !credentialHeaders.has(name));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(previous.headers)) {
    const lower = name.toLowerCase();
    if (!keepBody && bodyHeaders.has(lower)) continue;
    if (!sameOrigin && !keep(lower)) continue;
    headers[name] = value;
  }
  return { url, method, headers, ...(keepBody && previous.body !== undefined ? { body: previous.body } : {}) };
}

/**
 * Sends `first` and follows up to `maxRedirects` redirects, each hop re-checked against the policy.
 * Returns the first answer that is not a followable redirect (a 3xx without Location is returned as is).
 */
export async function followRedirects<Body, Answer>(policy: OutboundPolicy, first: Hop<Body>, options: RedirectOptions<Body, Answer>): Promise<Answer> {
  policy.checkUrl(first.url);
  let hop = first;
  for (let redirects = 0; ; redirects++) {
    const answer = await options.send(hop);
    const status = options.status(answer);
    const location = options.location(answer);
    if (!redirectStatuses.has(status) || !location) return answer;
    await options.discard(answer);
    if (redirects >= maxRedirects) {
      throw new SwitchboardError('UPSTREAM_ERROR', `${first.url.host} redirected more than ${maxRedirects} times; use the final URL directly.`, {
        host: first.url.host,
        redirects,
      });
    }
    hop = nextHop(policy, hop, status, location, options);
  }
}
