import { apiError, SwitchboardNetworkError, SwitchboardTimeoutError } from './errors.js';

/** Where the client finds the server when neither `baseUrl` nor `SWITCHBOARD_URL` is set. */
export const defaultBaseUrl = 'http://127.0.0.1:8080';

/** Default time one request may take. */
export const defaultTimeoutMs = 30_000;

/** Options of `new Switchboard(…)`. */
export interface SwitchboardOptions {
  /** An API key (`sk_…`). Default: the `SWITCHBOARD_API_KEY` environment variable. */
  apiKey?: string | undefined;
  /** The server's base URL, e.g. `https://switchboard.example.com`. Default: `SWITCHBOARD_URL`, else `http://127.0.0.1:8080`. */
  baseUrl?: string | undefined;
  /** How long one request may take before it fails with `SwitchboardTimeoutError` (default 30 000 ms). */
  timeoutMs?: number | undefined;
  /** Headers sent with every request (e.g. for a proxy in front of the server). */
  headers?: Record<string, string> | undefined;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch | undefined;
}

/** Options any single call accepts. */
export interface RequestOptions {
  /** Cancels the request; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number | undefined;
}

export type QueryValue = string | number | boolean | undefined;

interface Call extends RequestOptions {
  query?: Record<string, QueryValue> | undefined;
  body?: unknown;
}

function environment(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  return value?.trim() ? value.trim() : undefined;
}

/** `/v1/sessions/trs_…`: each segment percent-encoded. */
export function path(strings: TemplateStringsArray, ...segments: string[]): string {
  return strings.reduce((joined, text, index) => joined + text + (index < segments.length ? encodeURIComponent(segments[index]!) : ''), '');
}

/** Drops keys whose value is `undefined` (one level; values are left as they are). */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * The transport under every resource: JSON over `fetch`, the API key on each request, a timeout,
 * server errors turned into `SwitchboardApiError` subclasses and failures to reach the server into
 * `SwitchboardNetworkError` naming the base URL.
 */
export class HttpClient {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;

  constructor(options: SwitchboardOptions = {}) {
    const apiKey = options.apiKey ?? environment('SWITCHBOARD_API_KEY');
    if (!apiKey) throw new Error('Switchboard needs an API key: pass { apiKey: "sk_…" } or set SWITCHBOARD_API_KEY.');
    const baseUrl = (options.baseUrl ?? environment('SWITCHBOARD_URL') ?? defaultBaseUrl).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/i.test(baseUrl)) throw new Error(`The Switchboard base URL must be an http(s) URL, not "${baseUrl}".`);
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`timeoutMs must be a positive number of milliseconds, not ${timeoutMs}.`);
    this.apiKey = apiKey;
    this.baseUrl = baseUrl;
    this.timeoutMs = timeoutMs;
    this.#headers = { ...options.headers };
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get<T>(target: string, query?: Record<string, QueryValue>, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', target, { ...options, query });
  }

  post<T>(target: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', target, { ...options, body });
  }

  patch<T>(target: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', target, { ...options, body });
  }

  async delete(target: string, options?: RequestOptions): Promise<void> {
    await this.request<unknown>('DELETE', target, options ?? {});
  }

  /** Sends one request and returns the parsed JSON body (`undefined` for an empty one, e.g. 204). */
  async request<T>(method: string, target: string, call: Call = {}): Promise<T> {
    const url = new URL(this.baseUrl + target);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const label = `${method} ${target}`;
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const hasBody = call.body !== undefined;
    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const response = await this.#fetch(url, {
        method,
        headers: { accept: 'application/json', ...this.#headers, 'x-api-key': this.apiKey, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
        ...(hasBody ? { body: JSON.stringify(call.body) } : {}),
        signal,
        redirect: 'manual',
      });
      status = response.status;
      headers = response.headers;
      text = await response.text();
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (timeout.aborted) {
        throw new SwitchboardTimeoutError(
          `Switchboard at ${this.baseUrl} did not answer ${label} within ${timeoutMs} ms (the request may still complete on the server).`,
          this.baseUrl,
          label,
          timeoutMs,
        );
      }
      const cause = (error as { cause?: { message?: string; code?: string } }).cause;
      const reason = cause?.message ?? cause?.code ?? (error as Error).message;
      throw new SwitchboardNetworkError(`Cannot reach Switchboard at ${this.baseUrl} (${label}): ${reason}.`, this.baseUrl, label, { cause: error });
    }
    const parsed = parseJson(text);
    if (status >= 200 && status < 300) {
      if (text !== '' && parsed === invalid) throw unexpected(status, headers, text, label, this.baseUrl);
      return (text === '' ? undefined : parsed) as T;
    }
    const body = parsed === invalid ? undefined : (parsed as { error?: Partial<Record<'code' | 'message' | 'request_id', unknown>> & { details?: unknown } });
    const error = body?.error;
    if (!error || typeof error.code !== 'string') throw unexpected(status, headers, text, label, this.baseUrl);
    const retryAfter = Number(headers.get('retry-after'));
    throw apiError({
      status,
      code: error.code,
      message: typeof error.message === 'string' ? error.message : `HTTP ${status}`,
      details: error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : undefined,
      requestId: typeof error.request_id === 'string' ? error.request_id : (headers.get('x-request-id') ?? undefined),
      request: label,
      retryAfterSeconds: Number.isFinite(retryAfter) && headers.has('retry-after') ? retryAfter : undefined,
    });
  }
}

const invalid = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return invalid;
  }
}

/** A response that is not Switchboard's JSON: most often the base URL points at something else (a proxy, another server). */
function unexpected(status: number, headers: Headers, text: string, label: string, baseUrl: string) {
  const type = headers.get('content-type') ?? 'no content type';
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  const location = status >= 300 && status < 400 ? `, redirecting to ${headers.get('location') ?? '?'}` : '';
  return apiError({
    status,
    code: `HTTP_${status}`,
    message: `${label} at ${baseUrl} answered HTTP ${status} (${type}${location}) that is not a Switchboard API response; is the base URL right?${snippet ? ` Body: ${snippet}` : ''}`,
    requestId: headers.get('x-request-id') ?? undefined,
    request: label,
  });
}
