export { createMcpEndpoint, type McpEndpoint, type McpEndpointOptions } from './endpoint.js';
export { createDatabaseEventBus } from './event-bus.js';
export { createLegacySseTransport, type LegacySseOptions, type LegacySseTransport } from './legacy-sse.js';
export type { McpHttpRequest } from './request-auth.js';
export { createSessionServer, jsonRpcErrorResponse, serverInfo, toJsonRpcError } from './server.js';
export { createTransportSessionStore, type TransportSessionStore } from './transport-sessions.js';
