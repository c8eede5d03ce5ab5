import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from './http.js';
import type { BackendlessState, UserSession } from './state.js';

export interface EmulatorEnv {
  url: string;
  appId: string;
  restApiKey: string;
  baseUrl: string;
  consoleAuthKey: string;
  consoleLogin: string;
  consolePassword: string;
}

export interface RouteContext {
  method: string;
  /** Named `:params`, decoded. */
  params: Record<string, string>;
  /** The segments a trailing `*` matched (decoded; may be empty). */
  rest: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  state: BackendlessState;
  env: EmulatorEnv;
  /** The raw `user-token` header, if sent. */
  userToken: string | undefined;
  /** The session of a valid `user-token`. */
  session: UserSession | undefined;
}

export interface Route {
  method: string;
  /** Segments: literals, `:name` for one segment, and a final `*` for the rest (zero or more segments). */
  pattern: string;
  /** By default an invalid `user-token` is rejected (3064) before the handler runs; `handle` leaves it to the handler. */
  userToken?: 'check' | 'handle';
  handler: (ctx: RouteContext) => Reply | Promise<Reply>;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
  rest: string[];
}

function matchPattern(pattern: string, segments: string[]): Omit<RouteMatch, 'route'> | undefined {
  const parts = pattern.split('/').filter((part) => part !== '');
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    if (part === '*') return { params, rest: segments.slice(index) };
    const segment = segments[index];
    if (segment === undefined) return undefined;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return parts.length === segments.length ? { params, rest: [] } : undefined;
}

/** First matching route wins, so list specific paths before wildcard ones. */
export function findRoute(routes: Route[], method: string, segments: string[]): RouteMatch | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = matchPattern(route.pattern, segments);
    if (match) return { route, ...match };
  }
  return undefined;
}
