import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CreateMessageRequestSchema,
  CreateMessageResultSchema,
  ElicitRequestSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, connectStdioClientV1, type StdioClientV1 } from '../helpers/mcp-stdio.js';
import { childEnv, createSandbox, type Sandbox } from '../helpers/process.js';

/** What the upstream saw: headers of each POST, and what its tools observed. */
interface Observed {
  posts: { method: string | undefined; headers: IncomingMessage['headers'] }[];
  cancelled: boolean;
  waiting: boolean;
}

const tools = [
  { name: 'ask_model', description: 'Samples the client model and elicits a name, reporting progress and logging', inputSchema: { type: 'object' } },
  { name: 'wait_for_cancel', description: 'Runs until the client cancels it', inputSchema: { type: 'object' } },
];

/** An MCP server over Streamable HTTP (SDK v1, stateful) whose tools call back into the client. */
function upstreamServer(observed: Observed): Server {
  const server = new Server({ name: 'relay-upstream', version: '1.0.0' }, { capabilities: { tools: {}, logging: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    if (request.params.name === 'wait_for_cancel') {
      observed.waiting = true;
      await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
      observed.cancelled = true;
      return { content: [{ type: 'text', text: 'cancelled' }] };
    }
    const progressToken = request.params._meta?.progressToken;
    // Progress before the round trips: the SDK v1 client handles a notification a microtask late, so
    // one written just before the response in the same stdout chunk would find its request gone.
    if (progressToken !== undefined) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: 1, total: 3, message: 'sampling' } });
    }
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'upstream', data: 'asking the model' } });
    const sampled = await extra.sendRequest(
      {
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 20 },
      },
      CreateMessageResultSchema,
    );
    if (progressToken !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: 2, total: 3 } });
    const elicited = await extra.sendRequest(
      {
        method: 'elicitation/create',
        params: { message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      },
      ElicitResultSchema,
    );
    const text = sampled.content.type === 'text' ? sampled.content.text : '?';
    return { content: [{ type: 'text', text: `${text} / ${String(elicited.content?.name)}` }] };
  });
  return server;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

async function startUpstream(observed: Observed): Promise<{ url: string; close(): Promise<void> }> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const http: HttpServer = createServer(async (request, response) => {
    const body = request.method === 'POST' ? await readBody(request) : undefined;
    if (request.method === 'POST') observed.posts.push({ method: (body as { method?: string } | undefined)?.method, headers: request.headers });
    const sessionId = request.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, created);
        },
      });
      await upstreamServer(observed).connect(created);
      transport = created;
    }
    await transport.handleRequest(request, response, body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    async close() {
      await Promise.all([...transports.values()].map((transport) => transport.close()));
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/**
 * The bridge is a protocol relay, not a Switchboard client: what an upstream MCP server asks of the
 * client (sampling, elicitation) and tells it (progress, logging) crosses it, and so does a
 * cancellation the other way. An SDK v1 server stands in for Switchboard, which asks for none of these yet.
 */
describe('switchboard connect relays the whole protocol', () => {
  const observed: Observed = { posts: [], cancelled: false, waiting: false };
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let sandbox: Sandbox;
  let bridge: StdioClientV1 | undefined;

  beforeAll(async () => {
    upstream = await startUpstream(observed);
    sandbox = createSandbox();
  });
  afterEach(async () => {
    await bridge?.close();
    bridge = undefined;
  });
  afterAll(async () => {
    await upstream?.close();
    sandbox?.remove();
  });

  const connect = (setup?: (client: StdioClientV1['client']) => void) =>
    connectStdioClientV1(process.execPath, [cliEntry, 'connect', '--api-key', 'sk_relay', '--endpoint', upstream.url], childEnv(sandbox), {
      capabilities: { sampling: {}, elicitation: {} },
      ...(setup ? { setup } : {}),
    });

  it('sampling and elicitation requests from the server, progress and log notifications, and the protocol version header', async () => {
    const logged: unknown[] = [];
    const sampledPrompts: string[] = [];
    bridge = await connect((client) => {
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        const content = [request.params.messages[0]!.content].flat()[0]!;
        sampledPrompts.push(content.type === 'text' ? content.text : '?');
        return { role: 'assistant', content: { type: 'text', text: 'hi from the model' }, model: 'test-model' };
      });
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
      client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
        logged.push(notification.params.data);
      });
    });
    const { client, errors } = bridge;
    expect(client.getServerVersion()).toMatchObject({ name: 'relay-upstream' });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['ask_model', 'wait_for_cancel']);

    const progress: number[] = [];
    const result = await client.callTool({ name: 'ask_model', arguments: {} }, undefined, { onprogress: (update) => progress.push(update.progress) });
    expect(result.content).toEqual([{ type: 'text', text: 'hi from the model / Ada' }]);
    expect(sampledPrompts).toEqual(['Say hi']);
    expect(progress).toEqual([1, 2]);
    expect(logged).toEqual(['asking the model']);
    expect(errors).toEqual([]);

    // After initialize the bridge sends what the handshake settled on, and the key, on every POST.
    const initialize = observed.posts.find((post) => post.method === 'initialize')!;
    expect(initialize.headers['x-api-key']).toBe('sk_relay');
    const call = observed.posts.filter((post) => post.method === 'tools/call').at(-1)!;
    expect(call.headers['mcp-protocol-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(call.headers['mcp-session-id']).toBeTruthy();
  });

  it('a cancelled call is cancelled upstream, and the bridge goes on serving', async () => {
    bridge = await connect();
    const { client } = bridge;
    const controller = new AbortController();
    const pending = client.callTool({ name: 'wait_for_cancel', arguments: {} }, undefined, { signal: controller.signal });
    for (let waited = 0; !observed.waiting && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(observed.waiting).toBe(true);
    controller.abort('the user stopped it');
    await expect(pending).rejects.toBeDefined();
    for (let waited = 0; !observed.cancelled && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(observed.cancelled).toBe(true);
    // An unknown tool is the upstream's JSON-RPC error, relayed as it was sent.
    const unknown = await client.callTool({ name: 'nope', arguments: {} }).catch((error: unknown) => error);
    expect(unknown instanceof McpError || (unknown as { isError?: boolean }).isError).toBeTruthy();
    expect((await client.listTools()).tools).toHaveLength(2);
  });

  it('when the server goes away, a request gets a JSON-RPC error that says so, not silence', async () => {
    const leaving = await startUpstream({ posts: [], cancelled: false, waiting: false });
    bridge = await connectStdioClientV1(process.execPath, [cliEntry, 'connect', '--api-key', 'sk_relay', '--endpoint', leaving.url], childEnv(sandbox));
    expect((await bridge.client.listTools()).tools).toHaveLength(2);
    await leaving.close();
    const failure = await bridge.client.listTools().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(McpError);
    expect((failure as McpError).message).toContain(`Cannot reach Switchboard at ${leaving.url.replace(/\/mcp$/, '')} (connection refused)`);
    expect(bridge.stderr()).toContain('Cannot reach Switchboard');
  });
});
