import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC bodies are checked field by field
type Json = Record<string, any>;

const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

/**
 * NUL characters and lone surrogates in MCP requests (tool arguments, any params, the URL) are
 * refused with JSON-RPC -32602 naming the field, on every transport, never a 500.
 */
describe.skipIf(!testDatabaseAvailable())('MCP requests with text the database cannot store', () => {
  let t: TestServer;
  let url: string;
  let sessionUrl: string;

  const post = (target: string, body: unknown) =>
    fetch(target, { method: 'POST', headers: { ...headers, 'x-api-key': t.adminKey }, body: JSON.stringify(body) });

  beforeAll(async () => {
    t = await startTestServer();
    url = await t.server.listen();
    const session = await t.server.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: 'alice', toolkits: ['bitbucket'] },
    });
    sessionUrl = session.json().mcp.url;
  });
  afterAll(async () => t?.close());

  it('a client calling a tool with such arguments gets -32602 naming the argument, and the session keeps working', async () => {
    const client = new Client({ name: 'unstorable', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(sessionUrl), { requestInit: { headers: { 'x-api-key': t.adminKey } } }));
    for (const bad of ['repos\u0000', 'repos\ud800']) {
      const error = await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: bad }] } }).then(
        () => undefined,
        (thrown: unknown) => thrown as { code?: number; data?: Json },
      );
      expect(error?.code).toBe(-32602);
      expect(error?.data).toMatchObject({ code: 'VALIDATION_FAILED', field: 'params.arguments.queries.0.use_case' });
    }
    const fine = await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'list repositories 😀' }] } });
    expect(fine.isError).toBeFalsy();
    await client.close();
  });

  it('refuses such params of any method (initialize stores clientInfo) and such URLs with a JSON-RPC error, not a 500', async () => {
    const initialize = await post(sessionUrl, {
      jsonrpc: '2.0',
      id: 7,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bad\ud800', version: '1' } },
    });
    expect(initialize.status).toBe(200);
    expect(await initialize.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32602, data: { code: 'VALIDATION_FAILED', field: 'params.clientInfo.name' } },
    });
    expect(initialize.headers.get('mcp-session-id')).toBeNull();

    const notification = await post(sessionUrl, { jsonrpc: '2.0', method: 'notifications/initialized', params: { note: '\u0000' } });
    expect(notification.status).toBe(400);
    expect(((await notification.json()) as Json).error).toMatchObject({ code: -32602, data: { field: 'params.note' } });

    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const badPath = await post(`${url}/mcp/trs_%00`, list);
    expect(badPath.status).toBe(400);
    expect(((await badPath.json()) as Json).error).toMatchObject({ code: -32602, data: { field: 'params.session_id' } });
    const badToken = await fetch(`${sessionUrl}?token=a%00b`, { method: 'POST', headers, body: JSON.stringify(list) });
    expect(badToken.status).toBe(400);
    expect(((await badToken.json()) as Json).error).toMatchObject({ code: -32602, data: { field: 'query.token' } });
  });

  it('answers on the legacy SSE stream with -32602 for such arguments', async () => {
    const client = new ClientV1({ name: 'unstorable-sse', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL(`${sessionUrl}/sse`), {
        requestInit: { headers: { 'x-api-key': t.adminKey } },
        eventSourceInit: {
          fetch: (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), 'x-api-key': t.adminKey } }),
        },
      }),
    );
    const error = await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'a\u0000' }] } }).then(
      () => undefined,
      (thrown: unknown) => thrown as { code?: number; data?: Json },
    );
    expect(error?.code).toBe(-32602);
    expect(error?.data).toMatchObject({ field: 'params.arguments.queries.0.use_case' });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });
});
