import type { IncomingMessage, ServerResponse } from 'node:http';
import { BackendlessError, invalidAuthKey, invalidUserToken, unknownRoute, wrongAppInfo } from './errors.js';
import { type FaultQueue, faultReply } from './faults.js';
import { parseJsonBody, type Reply, readRawBody, sendReply } from './http.js';
import { type EmulatorEnv, findRoute, type Route, type RouteContext } from './router.js';
import { counterRoutes } from './routes/counters.js';
import { dataRoutes } from './routes/data.js';
import { fileRoutes } from './routes/files.js';
import { hiveRoutes } from './routes/hive.js';
import { messagingRoutes } from './routes/messaging.js';
import { consoleLogin, consoleRoutes } from './routes/timers.js';
import { userRoutes } from './routes/users.js';
import type { BackendlessState } from './state.js';

const appRoutes: Route[] = [...fileRoutes, ...dataRoutes, ...userRoutes, ...hiveRoutes, ...counterRoutes, ...messagingRoutes];

export interface RecordedRequest {
  method: string;
  /** The raw URL path, e.g. `/APP/KEY/files/copy`. */
  path: string;
  /** The path after `/{appId}/{restApiKey}` (`/files/copy`) or after `/{appId}` for console calls (`/console/…`). */
  apiPath: string;
  query: Record<string, string>;
  /** Lower-case names; `user-token` and `auth-key` are `[redacted]`. */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  at: number;
}

export interface DispatcherDeps {
  env: EmulatorEnv;
  state: BackendlessState;
  faults: FaultQueue;
  requests: RecordedRequest[];
  /** Waits a fault's delay; resolves early when the emulator closes. */
  sleep: (ms: number) => Promise<void>;
}

const REDACTED = ['user-token', 'auth-key'];

function recordRequest(req: IncomingMessage, url: URL, raw: Buffer, env: EmulatorEnv, now: number): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = REDACTED.includes(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  const text = raw.toString('utf8');
  let body: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const appPrefix = `/${env.appId}/${env.restApiKey}`;
  const path = url.pathname;
  const apiPath = path.startsWith(`${appPrefix}/`)
    ? path.slice(appPrefix.length)
    : path.startsWith(`/${env.appId}/console`)
      ? path.slice(env.appId.length + 1)
      : path;
  return { method: req.method ?? 'GET', path, apiPath, query: Object.fromEntries(url.searchParams), headers, body, at: now };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // left raw: a stray '%' is then a prohibited character for the file routes
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

async function route(req: IncomingMessage, url: URL, raw: Buffer, deps: DispatcherDeps): Promise<Reply> {
  const { env, state } = deps;
  const method = req.method ?? 'GET';
  const segments = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeSegment);
  let routes = appRoutes;
  let routeSegments: string[];
  if (segments[0] === 'console') {
    routes = [{ method: 'POST', pattern: '/console/home/login', handler: consoleLogin }];
    routeSegments = segments;
  } else if (segments[1] === 'console') {
    if (segments[0] !== env.appId) throw wrongAppInfo();
    if (header(req, 'auth-key') !== env.consoleAuthKey) throw invalidAuthKey();
    routes = consoleRoutes;
    routeSegments = segments.slice(2);
  } else {
    if (segments[0] !== env.appId || segments[1] !== env.restApiKey) throw wrongAppInfo();
    routeSegments = segments.slice(2);
  }
  const match = findRoute(routes, method, routeSegments);
  if (!match) throw unknownRoute(method, `/${routeSegments.join('/')}`);
  const body = parseJsonBody(raw, header(req, 'content-type'));
  const userToken = routes === appRoutes ? header(req, 'user-token') : undefined;
  const session = userToken ? state.sessionFor(userToken) : undefined;
  if (userToken && !session && match.route.userToken !== 'handle') throw invalidUserToken();
  const ctx: RouteContext = {
    method,
    params: match.params,
    rest: match.rest,
    query: url.searchParams,
    headers: req.headers,
    body,
    state,
    env,
    userToken,
    session,
  };
  return match.route.handler(ctx);
}

function errorReply(error: unknown): Reply {
  if (error instanceof BackendlessError) return { status: error.status, body: error.toBody() };
  return { status: 500, body: { code: 1, message: `Emulator internal error: ${(error as Error)?.message ?? String(error)}` } };
}

/** The node:http request listener: record, maybe inject a fault, route, and always answer. */
export function createDispatcher(deps: DispatcherDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const raw = await readRawBody(req);
    deps.requests.push(recordRequest(req, url, raw, deps.env, deps.state.now()));
    const fault = deps.faults.take();
    if (fault?.delayMs) await deps.sleep(fault.delayMs);
    const forced = fault && faultReply(fault);
    if (forced) return sendReply(res, forced);
    try {
      sendReply(res, await route(req, url, raw, deps));
    } catch (error) {
      sendReply(res, errorReply(error));
    }
  };
  return (req, res) => {
    handle(req, res).catch((error: unknown) => sendReply(res, errorReply(error)));
  };
}
