import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC bodies are checked field by field
type Json = Record<string, any>;

const legacyHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

/** Raw HTTP against the MCP endpoints: every malformed or unauthorised request gets a JSON-RPC or HTTP error, and the server keeps serving. */
describe.skipIf(!testDatabaseAvailable())('MCP endpoint bad input', () => {
  let t: TestServer;
  let url: string;
  let sessionUrl: string;
  let otherUserKey: string;
  /** The Mcp-Session-Id of an initialized 2025-era session on `sessionUrl`. */
  let transportId: string;

  const post = (target: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(target, {
      method: 'POST',
      headers: { ...legacyHeaders, 'x-api-key': t.adminKey, ...(target === sessionUrl ? { 'mcp-session-id': transportId } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** Reads a JSON or single-event SSE answer. */
  const bodyOf = async (response: Response): Promise<Json> => {
    const text = await response.text();
    const data = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}');
    return JSON.parse(data);
  };
  const call = (name: string, args: unknown, id = 1) => post(sessionUrl, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

  beforeAll(async () => {
    t = await startTestServer();
    url = await t.server.listen();
    const inject = (method: 'POST', path: string, payload: object) => t.server.app.inject({ method, url: path, headers: { 'x-api-key': t.adminKey }, payload });
    sessionUrl = (await inject('POST', '/v1/sessions', { user_id: 'alice', toolkits: ['bitbucket'] })).json().mcp.url;
    otherUserKey = (await inject('POST', '/v1/api-keys', { name: 'bob', scopes: ['tools:execute'], user_id: 'bob' })).json().key;
    const initialized = await fetch(sessionUrl, {
      method: 'POST',
      headers: { ...legacyHeaders, 'x-api-key': t.adminKey },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    transportId = initialized.headers.get('mcp-session-id')!;
    await initialized.text();
  });
  afterAll(async () => t?.close());

  it('refuses missing and wrong keys with 401 and a JSON-RPC error naming the fix', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const missing = await fetch(sessionUrl, { method: 'POST', headers: legacyHeaders, body: JSON.stringify(initialize) });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect((await bodyOf(missing)).error).toMatchObject({ code: -32001, message: expect.stringContaining('x-api-key'), data: { code: 'UNAUTHENTICATED' } });
    const wrong = await post(sessionUrl, initialize, { 'x-api-key': `sk_${'x'.repeat(42)}` });
    expect(wrong.status).toBe(401);
    const badToken = await fetch(`${sessionUrl}?token=abc.def`, { method: 'POST', headers: legacyHeaders, body: JSON.stringify(initialize) });
    expect(badToken.status).toBe(401);
  });

  it("hides another user's session and unknown or expired sessions behind a 404", async () => {
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const asBob = await post(sessionUrl, list, { 'x-api-key': otherUserKey });
    expect(asBob.status).toBe(404);
    expect((await bodyOf(asBob)).error.data.code).toBe('NOT_FOUND');
    expect((await post(`${url}/mcp/trs_${'A'.repeat(20)}`, list)).status).toBe(404);
    expect((await post(`${url}/mcp/not-a-session`, list)).status).toBe(404);

    const expiring = await t.server.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: 'alice', expires_in: 60 },
    });
    await t.server.database.db.execute(sql`update router_sessions set expires_at = now() - interval '1 second' where id = ${expiring.json().session_id}`);
    const expired = await post(expiring.json().mcp.url, list);
    expect(expired.status).toBe(404);
    expect((await bodyOf(expired)).error.message).toContain('expired');
    const unknownTransport = await post(sessionUrl, list, { 'mcp-session-id': '00000000-0000-4000-8000-000000000000' });
    expect(unknownTransport.status).toBe(404);
  });

  it('answers malformed JSON-RPC, unknown methods and unknown tools per the spec', async () => {
    const garbage = await post(sessionUrl, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(garbage.status).toBe(400);
    expect((await bodyOf(garbage)).error.code).toBe(-32700);
    const notRpc = await post(sessionUrl, { hello: 'world' });
    expect(notRpc.status).toBeGreaterThanOrEqual(400);
    const unknownMethod = await bodyOf(await post(sessionUrl, { jsonrpc: '2.0', id: 7, method: 'tools/frobnicate' }));
    expect(unknownMethod).toMatchObject({ id: 7, error: { code: -32601 } });
    const unknownTool = await bodyOf(await call('NOT_A_TOOL', {}));
    expect(unknownTool.error).toMatchObject({ code: -32602, data: { code: 'TOOL_NOT_FOUND' } });
    const wrongType = await fetch(sessionUrl, {
      method: 'POST',
      headers: { ...legacyHeaders, 'content-type': 'text/plain', 'x-api-key': t.adminKey },
      body: 'hi',
    });
    expect(wrongType.status).toBe(415);
  });

  it('answers tools/list with a cursor that is not a string with -32602 naming the parameter, no internal dump', async () => {
    for (const cursor of [{}, 7, ['a']]) {
      const answer = await bodyOf(await post(sessionUrl, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { cursor } }));
      expect(answer.error, JSON.stringify(answer)).toMatchObject({
        code: -32602,
        message: expect.stringContaining('cursor'),
        data: { code: 'VALIDATION_FAILED' },
      });
      expect(JSON.stringify(answer)).not.toMatch(/"expected"|ZodError|stack/);
    }
    const listed = await bodyOf(await post(sessionUrl, { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { cursor: 'anything' } }));
    expect(listed.result.tools).toHaveLength(5);
  });

  it('reports invalid tool arguments and a 51-call multi-execute as tool errors the model can correct', async () => {
    const invalid = await bodyOf(await call('search_tools', { queries: 'not a list' }));
    expect(invalid.result.isError).toBe(true);
    expect(JSON.parse(invalid.result.content[0].text)).toMatchObject({ error_code: 'VALIDATION_FAILED', error: expect.stringContaining('queries') });
    const tooMany = Array.from({ length: 51 }, () => ({ tool_slug: 'BITBUCKET_GET_CURRENT_USER', arguments: {} }));
    const refused = await bodyOf(await call('multi_execute_tool', { tools: tooMany }));
    expect(refused.result.isError).toBe(true);
    expect(JSON.parse(refused.result.content[0].text).error).toContain('at most 50 calls');
    const bitbucketArgs = await bodyOf(await call('multi_execute_tool', { tools: [{ tool_slug: 'BITBUCKET_CREATE_BRANCH', arguments: { workspace: 3 } }] }));
    const item = JSON.parse(bitbucketArgs.result.content[0].text).results[0];
    expect(item.error).toMatch(/workspace|required/);
    const disabled = await bodyOf(await call('multi_execute_tool', { tools: [{ tool_slug: 'BACKENDLESS_DIRECTORY_LISTING', arguments: { path: '/' } }] }));
    expect(JSON.parse(disabled.result.content[0].text).results[0].error).toContain('not enabled in this session');
    // Still serving.
    const listed = await bodyOf(await post(sessionUrl, { jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    expect(listed.result.tools).toHaveLength(5);
  });

  it('refuses a foreign Host or Origin (DNS rebinding) and answers GET/DELETE without a session with 405', async () => {
    const foreignOrigin = await post(sessionUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { origin: 'https://evil.example' });
    expect(foreignOrigin.status).toBe(403);
    expect((await fetch(sessionUrl, { headers: { 'x-api-key': t.adminKey, accept: 'text/event-stream' } })).status).toBe(405);
    expect((await fetch(sessionUrl, { method: 'DELETE', headers: { 'x-api-key': t.adminKey } })).status).toBe(405);
  });
});
