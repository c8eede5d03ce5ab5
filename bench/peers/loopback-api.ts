// The tiny REST API every MCP server in the peer benchmark exposes as a tool, with its OpenAPI
// description: one read-only operation, `GET /items/{itemId}`, answering a small JSON object.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackApi {
  url: string;
  /** OpenAPI 3.0 document whose `servers[0].url` is this API. */
  spec: Record<string, unknown>;
  requests(): number;
  close(): Promise<void>;
}

export const itemToolArguments = { itemId: 7 } as const;

function openApiDocument(url: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'Items', version: '1.0.0', description: 'A loopback API for the MCP benchmark.' },
    servers: [{ url }],
    components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
    security: [{ apiKey: [] }],
    paths: {
      '/items/{itemId}': {
        get: {
          operationId: 'getItem',
          summary: 'Get an item',
          description: 'Reads one item by its id.',
          parameters: [{ name: 'itemId', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '200': {
              description: 'The item',
              content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } } },
            },
          },
        },
      },
    },
  };
}

export async function startLoopbackApi(): Promise<LoopbackApi> {
  let served = 0;
  const server: Server = createServer((request, response) => {
    served++;
    const match = /^\/items\/(\d+)$/.exec(request.url ?? '');
    const body = match ? JSON.stringify({ id: Number(match[1]), name: 'Benchmark item', tags: ['a', 'b'] }) : '{"error":"not found"}';
    response.writeHead(match ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    spec: openApiDocument(url),
    requests: () => served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
