import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { SwitchboardError } from '../errors.js';
import { errorBody } from './errors.js';

// What happens to a request no route handles: a URL the router cannot read, a path parameter
// longer than it accepts, a path served for other methods only, or no such path at all. Each gets
// the same error envelope as everything else (Fastify's defaults answer `{"error":"Bad Request"}`).

/** Fastify's `frameworkErrors`: the router refused the URL before any hook (authentication included) ran. */
export function frameworkErrorHandler(maxParamLength: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const refused =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new SwitchboardError('VALIDATION_FAILED', `A path segment of this URL is longer than ${maxParamLength} characters; no identifier is that long.`, {
            max_length: maxParamLength,
          })
        : error.code === 'FST_ERR_BAD_URL'
          ? new SwitchboardError('VALIDATION_FAILED', 'The request URL is malformed: a percent-encoded part does not decode to UTF-8.')
          : new SwitchboardError('VALIDATION_FAILED', 'The request could not be routed.');
    request.log.info({ code: error.code }, refused.message);
    return reply.status(refused.status).header('x-request-id', request.id).send(errorBody(refused, request.id));
  };
}

interface RoutePattern {
  matcher: RegExp;
  methods: Set<string>;
}

/** `/v1/api-keys/:id` → a regular expression over concrete paths; `*` matches the rest. */
function patternOf(url: string): RegExp {
  const source = url
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/**
 * Remembers every route as it is added (an `onRoute` hook), to tell "no such path" (404) from
 * "this path, another method" (405 with an `Allow` header).
 */
export function routeTable(app: FastifyInstance) {
  const patterns = new Map<string, RoutePattern>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const existing = patterns.get(route.url) ?? { matcher: patternOf(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) existing.methods.add(method.toUpperCase());
    patterns.set(route.url, existing);
  });
  return {
    /** The methods some route serves on this concrete path; empty when no route has it. */
    allowedMethods(path: string): string[] {
      const allowed = new Set<string>();
      for (const { matcher, methods } of patterns.values()) if (matcher.test(path)) for (const method of methods) allowed.add(method);
      return [...allowed].sort();
    },
  };
}

/** The not-found handler: 405 with `Allow` for a known path, else 404; both in the error envelope. */
export function unroutedHandler(routes: ReturnType<typeof routeTable>) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routes.allowedMethods(path);
    if (allowed.length > 0) {
      const error = new SwitchboardError('METHOD_NOT_ALLOWED', `${request.method} is not served on ${path}; use ${allowed.join(', ')}.`, {
        method: request.method,
        allowed,
      });
      return reply.status(405).header('allow', allowed.join(', ')).send(errorBody(error, request.id));
    }
    const error = new SwitchboardError('ROUTE_NOT_FOUND', `No route ${request.method} ${path}; see /docs for the API.`);
    return reply.status(404).send(errorBody(error, request.id));
  };
}
