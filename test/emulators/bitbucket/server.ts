import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate, requireScopes } from './auth.js';
import { BitbucketApiError, badRequest, defaultMessageFor, errorBody } from './errors.js';
import { type Fault, FaultQueue } from './faults.js';
import { type ApiReply, type ApiRequest, type HttpMethod, matchRoute, type Route } from './routing.js';
import type { BitbucketState } from './state.js';

/** One request as the emulator saw it. */
export interface RecordedRequest {
  method: string;
  /** Path including the `/2.0` prefix, still percent-encoded. */
  path: string;
  /** Query parameters; repeated ones (`state=OPEN&state=MERGED`) become arrays. */
  query: Record<string, string | string[]>;
  /** Lower-case header names; `authorization` is cut down to its scheme (`Basic`, `Bearer`). */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when it was not JSON, or undefined without a body. */
  body: unknown;
  /** Status of the answer, filled in once it is sent. */
  status?: number;
}

const apiPrefix = '/2.0';
const maxBodyBytes = 5 * 1024 * 1024;
const garbageBody = '<html><body><h1>502 Bad Gateway</h1>{"type": "err';

type ParsedBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'invalid'; raw: string; reason: string };

export interface EmulatorServer {
  server: Server;
  url: string;
  faults: FaultQueue;
  close(): Promise<void>;
}

/** Starts the HTTP server on 127.0.0.1 and an ephemeral port. */
export async function startServer(state: BitbucketState, routes: readonly Route[], requests: RecordedRequest[]): Promise<EmulatorServer> {
  const faults = new FaultQueue();
  const delays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let origin = '';

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent && !response.destroyed) send(response, undefined, { status: 500, json: errorBody('Emulator failure', String(error)) });
    });
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(incoming);
    const url = new URL(`${origin}${incoming.url?.startsWith('/') ? incoming.url : '/'}`);
    const body = raw.kind === 'text' ? parseBody(raw.text, incoming.headers['content-type']) : ({ kind: 'none' } as const);
    const record = recordRequest(incoming, url, body);
    requests.push(record);
    if (raw.kind === 'too-large') return send(response, record, { status: 413, json: errorBody('Request body too large') });

    const fault = faults.take();
    if (fault?.delayMs) await delay(fault.delayMs);
    if (response.destroyed) return;
    if (fault && (fault.status !== undefined || fault.garbage)) return send(response, record, faultReply(fault));
    send(response, record, await answer(incoming, url, body));
  }

  async function answer(incoming: IncomingMessage, url: URL, body: ParsedBody): Promise<ApiReply> {
    try {
      if (url.pathname !== apiPrefix && !url.pathname.startsWith(`${apiPrefix}/`)) throw new BitbucketApiError(404, `Resource not found: ${url.pathname}`);
      const match = matchRoute(routes, incoming.method ?? 'GET', url.pathname.slice(apiPrefix.length) || '/');
      if ('error' in match) {
        if (match.error === 'malformed') throw badRequest('Malformed URL');
        throw new BitbucketApiError(404, `Resource not found: ${incoming.method} ${url.pathname}`);
      }
      const caller = authenticate(state, incoming.headers.authorization);
      requireScopes(match.route, caller.scopes);
      const takesBody = match.route.method === 'POST' || match.route.method === 'PUT';
      if (takesBody && body.kind === 'invalid') throw new BitbucketApiError(400, 'Invalid request body', { detail: body.reason });
      const request: ApiRequest = {
        method: match.route.method as HttpMethod,
        url,
        params: match.params,
        query: url.searchParams,
        headers: incoming.headers,
        body: takesBody && body.kind === 'json' ? body.value : undefined,
        account: caller.account,
        state,
        apiBase: `${origin}${apiPrefix}`,
      };
      return await match.route.handle(request);
    } catch (error) {
      if (error instanceof BitbucketApiError)
        return { status: error.status, json: error.toBody(), ...(error.options.headers ? { headers: error.options.headers } : {}) };
      return { status: 500, json: errorBody('Something went wrong', error instanceof Error ? error.message : String(error)) };
    }
  }

  function delay(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          delays.delete(entry);
          resolve();
        }, milliseconds),
        resolve,
      };
      delays.add(entry);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    server,
    url: origin,
    faults,
    async close() {
      faults.clear();
      for (const entry of delays) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      delays.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function faultReply(fault: Fault): ApiReply {
  const status = fault.status ?? 200;
  const headers = fault.headers ?? {};
  if (fault.garbage) return { status, body: typeof fault.garbage === 'string' ? fault.garbage : garbageBody, contentType: 'application/json', headers };
  if (typeof fault.body === 'string') return { status, body: fault.body, contentType: 'text/plain', headers };
  return { status, json: fault.body ?? errorBody(defaultMessageFor(status)), headers };
}

type RawBody = { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'too-large' };

function readBody(incoming: IncomingMessage): Promise<RawBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    incoming.on('end', () => {
      if (tooLarge) resolve({ kind: 'too-large' });
      else resolve(size === 0 ? { kind: 'none' } : { kind: 'text', text: Buffer.concat(chunks).toString('utf8') });
    });
    incoming.on('error', () => resolve({ kind: 'none' }));
  });
}

/** JSON is parsed whatever the Content-Type says, unless the type is clearly something else. */
function parseBody(raw: string, contentType: string | undefined): ParsedBody {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type && !type.includes('json') && type !== 'text/plain')
    return { kind: 'invalid', raw, reason: `Unsupported Content-Type ${type}; send application/json` };
  if (raw.trim() === '') return { kind: 'none' };
  try {
    return { kind: 'json', value: JSON.parse(raw) };
  } catch (error) {
    return { kind: 'invalid', raw, reason: `Malformed JSON: ${(error as Error).message}` };
  }
}

function recordRequest(incoming: IncomingMessage, url: URL, body: ParsedBody): RecordedRequest {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = name === 'authorization' ? (text.trim().split(/\s+/)[0] ?? '') : text;
  }
  return {
    method: incoming.method ?? 'GET',
    path: url.pathname,
    query,
    headers,
    body: body.kind === 'json' ? body.value : body.kind === 'invalid' ? body.raw : undefined,
  };
}

function send(response: ServerResponse, record: RecordedRequest | undefined, reply: ApiReply): void {
  if (response.destroyed || response.headersSent) return;
  if (record) record.status = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
  if (reply.json !== undefined) {
    const payload = JSON.stringify(reply.json);
    response.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
    response.end(payload);
    return;
  }
  if (reply.body !== undefined) {
    const payload = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    response.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/octet-stream', 'Content-Length': payload.length });
    response.end(payload);
    return;
  }
  response.writeHead(reply.status);
  response.end();
}
