// The "bare" peer: an MCP SDK server (v1, as most servers in the wild) over Streamable HTTP with one
// tool that fetches the loopback API. No auth, policy or audit: the floor of what an MCP layer costs.
// Usage: node --import tsx bench/peers/bare-sdk-server.ts <port> <api-url>
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const [port, apiUrl] = process.argv.slice(2);
if (!port || !apiUrl) throw new Error('usage: bare-sdk-server.ts <port> <api-url>');

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool('getItem', { description: 'Reads one item by its id.', inputSchema: { itemId: z.number().int() } }, async ({ itemId }) => {
    const response = await fetch(`${apiUrl}/items/${itemId}`, { headers: { 'x-api-key': 'bench' } });
    return { content: [{ type: 'text', text: await response.text() }] };
  });
  return server;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

const transports = new Map<string, StreamableHTTPServerTransport>();

createServer(async (request, response) => {
  const body = request.method === 'POST' ? await readJson(request) : undefined;
  const id = request.headers['mcp-session-id'];
  let transport = typeof id === 'string' ? transports.get(id) : undefined;
  if (!transport) {
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        transports.set(sessionId, transport!);
      },
    });
    await mcpServer().connect(transport);
  }
  await transport.handleRequest(request, response, body);
}).listen(Number(port), '127.0.0.1');
