import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request, errors as undiciErrors } from 'undici';
import { SwitchboardError } from '../errors.js';
import { followRedirects, type Hop, type OutboundPolicy } from '../outbound/index.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  attempts: number;
}

export interface CallOptions {
  dispatcher: Dispatcher;
  /** Re-checks every redirect hop before it is sent (the dispatcher checks the address it connects to). */
  policy: OutboundPolicy;
  /** Whole-call budget including retries. */
  timeoutMs: number;
  /** Retry 429/5xx and connection failures (only for idempotent calls). */
  retry: boolean;
  maxAttempts: number;
  /** A Retry-After longer than this is not waited for; the 429/503 is returned instead. */
  maxRetryAfterMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal | undefined;
}

/**
 * Headers a redirect may carry to another origin. Everything else stays behind: a toolkit's
 * credentials may sit in any header (x-api-key, private-token…), not only Authorization.
 */
const portableHeaders = new Set(['accept', 'accept-language', 'content-type', 'user-agent']);

const retryableStatuses = new Set([429, 500, 502, 503, 504]);
const retryableNetworkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT']);

/** Delay before the next attempt: Retry-After when given (seconds or HTTP date), else exponential backoff with jitter. */
export function retryDelayMs(attempt: number, retryAfter: string | undefined, now = Date.now()): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const base = 200 * 2 ** (attempt - 1);
  return base / 2 + Math.random() * (base / 2);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && chain.length < 5) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function translateNetworkError(error: unknown, host: string, timedOut: boolean): SwitchboardError {
  const chain = causeChain(error);
  const blocked = chain.find((item) => item instanceof SwitchboardError);
  if (blocked) return blocked as SwitchboardError;
  if (timedOut || chain.some((item) => item instanceof undiciErrors.HeadersTimeoutError || item instanceof undiciErrors.BodyTimeoutError)) {
    return new SwitchboardError('UPSTREAM_TIMEOUT', `${host} did not answer in time.`, { host });
  }
  const code = chain.map((item) => (item as { code?: string }).code).find(Boolean);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new SwitchboardError('UPSTREAM_UNAVAILABLE', `The host ${host} could not be resolved.`, { host });
  return new SwitchboardError('UPSTREAM_UNAVAILABLE', `Could not reach ${host}${code ? ` (${code})` : ''}.`, {
    host,
    ...(code ? { network_error: code } : {}),
  });
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number, host: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new SwitchboardError('UPSTREAM_INVALID_RESPONSE', `The response from ${host} is larger than ${limit} bytes.`, { host, limit_bytes: limit });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * One upstream call with a deadline, following redirects hop by hop through the outbound policy;
 * idempotent calls are retried on 429/5xx and dropped
 * connections, honouring Retry-After. Returns the last response whatever its status.
 */
export async function callUpstream(upstream: UpstreamRequest, options: CallOptions): Promise<UpstreamResponse> {
  const deadline = Date.now() + options.timeoutMs;
  const host = upstream.url.host;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new SwitchboardError('UPSTREAM_TIMEOUT', `${host} did not answer within ${options.timeoutMs} ms.`, { host, attempts: attempt - 1 });
    const timeout = AbortSignal.timeout(remaining);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let response: UpstreamResponse;
    try {
      const first: Hop<string> = { url: upstream.url, method: upstream.method, headers: upstream.headers, body: upstream.body };
      const result = await followRedirects(options.policy, first, {
        send: (hop) =>
          request(hop.url, {
            method: hop.method as Dispatcher.HttpMethod,
            headers: hop.headers,
            ...(hop.body !== undefined ? { body: hop.body } : {}),
            dispatcher: options.dispatcher,
            signal,
            headersTimeout: remaining,
            bodyTimeout: remaining,
          }),
        status: (answer) => answer.statusCode,
        location: (answer) => [answer.headers.location].flat()[0],
        discard: (answer) => answer.body.dump(),
        keepAcrossOrigins: (name) => portableHeaders.has(name),
      });
      const body = await readLimited(result.body, options.maxResponseBytes, host);
      response = { status: result.statusCode, headers: flattenHeaders(result.headers), body, attempts: attempt };
    } catch (error) {
      if (error instanceof SwitchboardError) throw error;
      const translated = translateNetworkError(error, host, timeout.aborted);
      const networkCode = translated.details?.network_error as string | undefined;
      const canRetry = options.retry && attempt < options.maxAttempts && networkCode !== undefined && retryableNetworkCodes.has(networkCode);
      if (!canRetry) throw new SwitchboardError(translated.code, translated.message, { ...translated.details, attempts: attempt });
      await sleep(Math.min(retryDelayMs(attempt, undefined), Math.max(0, deadline - Date.now())));
      continue;
    }
    if (!options.retry || attempt >= options.maxAttempts || !retryableStatuses.has(response.status)) return response;
    const delay = retryDelayMs(attempt, response.headers['retry-after']);
    if (delay > options.maxRetryAfterMs || Date.now() + delay >= deadline) return response;
    await sleep(delay);
  }
}
