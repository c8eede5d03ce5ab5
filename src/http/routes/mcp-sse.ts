import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { LegacySseTransport } from '../../mcp/index.js';
import { prepareMcpRoutes, sendWebResponse, toMcpRequest } from './mcp-web.js';

type SessionRequest = FastifyRequest<{ Params: { sessionId?: string } }>;

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05): `GET /mcp/{session_id}/sse` opens the
 * stream, whose first event names `/mcp/{session_id}/messages?sessionId=…` to POST to; `/sse` and
 * `/messages` are the universal endpoint's. Authentication as for Streamable HTTP.
 */
export const mcpSseRoutes: FastifyPluginAsync<{ transport: LegacySseTransport }> = async (app, { transport }) => {
  prepareMcpRoutes(app);

  const openStream = async (request: SessionRequest, reply: FastifyReply) =>
    sendWebResponse(reply, await transport.openStream(toMcpRequest(request, reply), request.params.sessionId));
  const postMessage = async (request: SessionRequest, reply: FastifyReply) =>
    sendWebResponse(reply, await transport.postMessage(toMcpRequest(request, reply), request.params.sessionId));

  for (const prefix of ['', '/mcp/:sessionId']) {
    // No HEAD twin: a HEAD must not open a stream.
    app.get(`${prefix}/sse`, { exposeHeadRoute: false }, openStream);
    app.post(`${prefix}/messages`, postMessage);
  }
};
