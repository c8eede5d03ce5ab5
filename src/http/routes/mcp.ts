import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { McpEndpoint } from '../../mcp/index.js';
import { prepareMcpRoutes, sendWebResponse, toMcpRequest } from './mcp-web.js';

/**
 * Mounts the MCP endpoints: `/mcp/{session_id}` and the universal `/mcp`. The endpoint does its own
 * authentication (API key, or a session URL token) and answers in JSON-RPC, so the REST hooks step
 * aside; bodies reach it as text so that malformed JSON gets a JSON-RPC parse error.
 */
export const mcpRoutes: FastifyPluginAsync<{ endpoint: McpEndpoint; publicUrl: string }> = async (app, { endpoint }) => {
  prepareMcpRoutes(app);

  async function serve(request: FastifyRequest<{ Params: { sessionId?: string } }>, reply: FastifyReply) {
    return sendWebResponse(reply, await endpoint.handle(toMcpRequest(request, reply), request.params.sessionId));
  }

  for (const path of ['/mcp', '/mcp/:sessionId']) {
    app.route({ method: ['GET', 'POST', 'DELETE'], url: path, handler: serve });
  }
};
