export { createMcpEndpoint, jsonRpcErrorResponse, type McpEndpoint, type McpEndpointOptions, type McpHttpRequest } from './endpoint.js';
export { createSessionServer, serverInfo, toJsonRpcError } from './server.js';
export { createTransportSessionStore, type TransportSessionStore } from './transport-sessions.js';
