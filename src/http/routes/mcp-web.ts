import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { McpHttpRequest } from '../../mcp/index.js';

/**
 * Shared by the MCP route groups: they authenticate for themselves (API key or session URL token)
 * and answer in JSON-RPC, so the REST hooks step aside and the routes stay out of the API
 * reference; bodies arrive as text so that malformed JSON gets a JSON-RPC parse error.
 */
export function prepareMcpRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, auth: false, checkText: false };
    route.schema = { ...route.schema, hide: true };
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
}

/** The framework-neutral request; its signal aborts when the client goes away. */
export function toMcpRequest(request: FastifyRequest, reply: FastifyReply): McpHttpRequest {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = new URL(request.url, `http://${request.headers.host ?? 'localhost'}`);
  return { method: request.method, url, headers, body: typeof request.body === 'string' ? request.body : undefined, signal: controller.signal };
}

/** Sends a web Response (a stream body stays a stream). */
export function sendWebResponse(reply: FastifyReply, response: Response): FastifyReply {
  reply.status(response.status);
  response.headers.forEach((value, name) => {
    reply.header(name, value);
  });
  return reply.send(response.body ? Readable.fromWeb(response.body as NodeReadableStream) : undefined);
}
