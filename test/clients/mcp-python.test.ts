import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lastJsonLine, runClientProgram } from '../helpers/client-program.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the Python client, checked field by field
type Json = Record<string, any>;

// The official Python MCP SDK (mcp 1.x, what AutoGen's McpWorkbench runs on) against a real server,
// from the venv that test/clients/python/setup.ts builds (globalSetup; under CI a missing Python
// fails the run there already).
const { python, reason } = inject('pythonClients');
if (!python) {
  if (process.env.CI) throw new Error(`The Python client tests must run under CI: ${reason}`);
  console.warn(`Python MCP client tests skipped: ${reason}`);
}
const script = join(import.meta.dirname, 'python/mcp_session_client.py');
const metaTools = ['search_tools', 'get_tool_schemas', 'manage_connections', 'wait_for_connections', 'multi_execute_tool'];

interface ClientRun {
  code: number | null;
  output: Json;
  stderr: string;
}

/** Runs mcp_session_client.py once (loopback only, see runClientProgram); its stdout is one JSON line. */
async function runClient(url: string, headers: Record<string, string>, call?: { tool: string; arguments: object }): Promise<ClientRun> {
  const args = [script, url, ...Object.entries(headers).flatMap(([name, value]) => ['--header', `${name}:${value}`])];
  if (call) args.push('--call', call.tool, JSON.stringify(call.arguments));
  const run = await runClientProgram(python!, args, {}, { timeoutMs: 30_000 });
  return { code: run.code, output: lastJsonLine(run), stderr: run.stderr };
}

const dataOf = (result: Json): Json => JSON.parse(result.content[0].text);

describe.skipIf(!python || !testDatabaseAvailable())(`Python mcp SDK over Streamable HTTP (${testDatabaseKind()} database)`, () => {
  let t: TestServer;
  let baseUrl: string;

  const api = async (method: 'POST', url: string, payload: object) => {
    const response = await t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, payload });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json() as Json;
  };
  const transportRows = async (id: string) =>
    ((await t.server.database.db.execute(sql`select id from mcp_transport_sessions where id = ${id}`)) as unknown as { rows: unknown[] }).rows.length;
  /** A POST on the MCP session `id`, as the client would send after the DELETE. */
  const postOnSession = (url: string, key: string, id: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': key, 'mcp-session-id': id },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
    });

  beforeAll(async () => {
    t = await startTestServer();
    baseUrl = await t.server.listen();
  });
  afterAll(async () => t?.close());

  it('initializes on a session URL, lists the meta-tools, searches, and its DELETE on close ends the MCP session', async () => {
    const session = await api('POST', '/v1/sessions', { user_id: 'python-user', toolkits: ['bitbucket'] });
    const key = session.mcp.headers['x-api-key'];
    const run = await runClient(session.mcp.url, { 'x-api-key': key }, { tool: 'search_tools', arguments: { queries: [{ use_case: 'list repositories' }] } });
    expect(run.output.ok, JSON.stringify(run.output) + run.stderr).toBe(true);
    expect(run.code).toBe(0);
    // The SDK logs "Session termination failed" when its DELETE gets anything but 200/204.
    expect(run.stderr).toBe('');

    const { output } = run;
    expect(output.protocol_version).toBe('2025-11-25');
    expect(output.server_info.name).toBeTruthy();
    expect(output.tools).toEqual(metaTools);
    expect(output.call.isError).toBeFalsy();
    const found = dataOf(output.call).results[0].tools as Json[];
    expect(found.map((tool) => tool.tool_slug)).toContain('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE');
    expect(new Set(found.map((tool) => tool.toolkit))).toEqual(new Set(['bitbucket']));

    // The SDK sent this Mcp-Session-Id on tools/list and tools/call, which the server would have
    // answered 404 without its row. The client left with DELETE: the row is gone, the id refused.
    expect(output.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await transportRows(output.session_id)).toBe(0);
    const after = await postOnSession(session.mcp.url, key, output.session_id);
    expect(after.status).toBe(404);
    expect(((await after.json()) as Json).error.message).toContain('Session not found');

    // Control: an initialize that is never closed keeps its row and its id keeps working, so the
    // absence above is the client's DELETE, not something the server does on its own.
    const initialize = await fetch(session.mcp.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': key },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'control', version: '1' } },
      }),
    });
    await initialize.arrayBuffer();
    const kept = initialize.headers.get('mcp-session-id')!;
    expect(await transportRows(kept)).toBe(1);
    const stillThere = await postOnSession(session.mcp.url, key, kept);
    await stillThere.arrayBuffer();
    expect(stillThere.status).toBe(200);
  });

  it('serves the universal /mcp to a user-bound key, with every toolkit, and ends that session on close too', async () => {
    const { key } = await api('POST', '/v1/api-keys', { name: 'python-universal', scopes: ['tools:execute'], user_id: 'python-universal-user' });
    const run = await runClient(
      `${baseUrl}/mcp`,
      { 'x-api-key': key },
      { tool: 'search_tools', arguments: { queries: [{ use_case: 'list the files in a Backendless folder' }] } },
    );
    expect(run.output.ok, JSON.stringify(run.output) + run.stderr).toBe(true);
    expect(run.stderr).toBe('');
    expect(run.output.tools).toEqual(metaTools);
    expect(dataOf(run.output.call).results[0].tools[0].toolkit).toBe('backendless');
    expect(await transportRows(run.output.session_id)).toBe(0);
    const after = await postOnSession(`${baseUrl}/mcp`, key, run.output.session_id);
    expect(after.status).toBe(404);
    await after.arrayBuffer();
  });

  it('fails on a wrong key with the 401 as an HTTPStatusError (the SDK drops the body that holds our message)', async () => {
    const session = await api('POST', '/v1/sessions', { user_id: 'python-wrong-key', toolkits: ['bitbucket'] });
    // Well-formed (sk_ and 42 letters and digits) but not a key of this server.
    const headers = { 'x-api-key': `sk_${'0'.repeat(42)}` };
    const run = await runClient(session.mcp.url, headers);
    expect(run.code).toBe(1);
    expect(run.output.ok).toBe(false);
    const httpError = (run.output.errors as Json[]).find((error) => error.type === 'HTTPStatusError');
    expect(httpError, JSON.stringify(run.output)).toMatchObject({ status: 401 });
    expect(httpError!.message).toContain(`401 Unauthorized' for url '${session.mcp.url}'`);

    // mcp 1.x streams the POST and raises httpx's raise_for_status() error before reading the body,
    // so the JSON-RPC error the server sent (our message) is not in what the client raises: only
    // the status and the URL are. The server does say what is wrong, to whoever reads the body.
    const direct = await fetch(session.mcp.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    expect(direct.status).toBe(401);
    expect(direct.headers.get('www-authenticate')).toContain('Bearer');
    const body = (await direct.json()) as Json;
    expect(body.error).toMatchObject({ message: 'The API key is not valid. Check it, or create a new one.', data: { code: 'UNAUTHENTICATED' } });
  });
});
