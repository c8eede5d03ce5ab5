import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { McpEndpoint } from '../../mcp/index.js';

/**
 * Mounts the MCP endpoints: `/mcp/{session_id}` and the universal `/mcp`. The endpoint does its own
 * authentication (API key, or a session URL token) and answers in JSON-RPC, so the REST hooks step
 * aside; bodies reach it as text so that malformed JSON gets a JSON-RPC parse error.
 */
export const mcpRoutes: FastifyPluginAsync<{ endpoint: McpEndpoint; publicUrl: string }> = async (app, { endpoint }) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, auth: false };
    route.schema = { ...route.schema, hide: true };
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  async function serve(request: FastifyRequest<{ Params: { sessionId?: string } }>, reply: FastifyReply) {
    const controller = new AbortController();
    reply.raw.once('close', () => controller.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(request.url, `http://${request.headers.host ?? 'localhost'}`);
    const response = await endpoint.handle(
      { method: request.method, url, headers, body: typeof request.body === 'string' ? request.body : undefined, signal: controller.signal },
      request.params.sessionId,
    );
    reply.status(response.status);
    response.headers.forEach((value, name) => {
      reply.header(name, value);
    });
    return reply.send(response.body ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream) : undefined);
  }

  for (const path of ['/mcp', '/mcp/:sessionId']) {
    app.route({ method: ['GET', 'POST', 'DELETE'], url: path, handler: serve });
  }
};
