import type { IncomingHttpHeaders } from 'node:http';
import type { Account } from './model.js';
import type { BitbucketState } from './state.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a handler gets: the caller, the decoded path parameters, the query and the parsed JSON body. */
export interface ApiRequest {
  method: HttpMethod;
  /** The full public URL of this request (used to build `next`/`previous` links). */
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined when the request had no body. */
  body: unknown;
  account: Account;
  state: BitbucketState;
  /** `http://127.0.0.1:port/2.0`: the prefix of every API link the emulator renders. */
  apiBase: string;
}

export interface ApiReply {
  status: number;
  json?: unknown;
  /** A raw body; `contentType` should accompany it. */
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * One operation of the OpenAPI description. `path` is the spec's template, relative to `/2.0`. `oauthScope` is the
 * legacy scope listed under `security.oauth2`, `tokenScopes` the granular ones under `x-atlassian-oauth2-scopes`;
 * a scope-restricted token must hold either.
 */
export interface Route {
  method: HttpMethod;
  path: string;
  oauthScope: string | null;
  tokenScopes: string[];
  handle(request: ApiRequest): ApiReply | Promise<ApiReply>;
}

/**
 * Parameters that may span several segments when they come last: `{path}` of `src/{commit}/{path}` (it may be empty,
 * and a trailing slash marks a directory) and the branch `{name}` (branch names contain slashes).
 */
const restParameters = new Set(['path', 'name']);

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export type MatchResult = RouteMatch | { error: 'not-found' } | { error: 'malformed' };

/** Picks the route for a method and an API path (below `/2.0`, still percent-encoded). Literal segments win over parameters. */
export function matchRoute(routes: readonly Route[], method: string, encodedPath: string): MatchResult {
  const rawSegments = encodedPath.split('/').slice(1);
  let segments: string[];
  try {
    segments = rawSegments.map((segment) => decodeURIComponent(segment));
  } catch {
    return { error: 'malformed' };
  }
  let best: (RouteMatch & { literals: number }) | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchTemplate(route.path, segments);
    if (!params) continue;
    const literals = route.path.split('/').filter((part) => part && !part.startsWith('{')).length;
    if (!best || literals > best.literals) best = { route, params, literals };
  }
  return best ? { route: best.route, params: best.params } : { error: 'not-found' };
}

function matchTemplate(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split('/').slice(1);
  const last = parts.at(-1) ?? '';
  const rest = /^\{(\w+)\}$/.exec(last)?.[1];
  const hasRest = rest !== undefined && restParameters.has(rest);
  // A single trailing slash is tolerated everywhere except where it is part of a rest parameter.
  const candidate = !hasRest && segments.length === parts.length + 1 && segments.at(-1) === '' ? segments.slice(0, -1) : segments;
  if (hasRest ? candidate.length < parts.length : candidate.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name && hasRest && index === parts.length - 1) {
      params[name] = candidate.slice(index).join('/');
      if (name !== 'path' && !params[name]) return undefined;
      continue;
    }
    const segment = candidate[index]!;
    if (name) {
      if (!segment) return undefined;
      params[name] = segment;
    } else if (segment !== part) return undefined;
  }
  return params;
}

export function jsonReply(status: number, json: unknown, headers?: Record<string, string>): ApiReply {
  return { status, json, ...(headers ? { headers } : {}) };
}

export function noContent(): ApiReply {
  return { status: 204 };
}
