import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

const legacyHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
const initialize = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'terminator', version: '1' } },
};
interface JsonRpcError {
  error: { code: number; message: string };
}

const toolsList = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

/** A DELETE of a 2025-era `Mcp-Session-Id` ends the session: its open GET stream and any further access without a new initialize. */
describe.skipIf(!testDatabaseAvailable())('MCP session termination', () => {
  let t: TestServer;
  let sessionUrl: string;

  beforeAll(async () => {
    t = await startTestServer();
    await t.server.listen();
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: 'terminated', toolkits: ['bitbucket'] },
    });
    sessionUrl = created.json().mcp.url;
  });
  afterAll(async () => t?.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(sessionUrl, { method: 'POST', headers: { ...legacyHeaders, 'x-api-key': t.adminKey, ...headers }, body: JSON.stringify(body) });

  async function openSession(): Promise<string> {
    const response = await post(initialize);
    expect(response.status).toBe(200);
    await response.text();
    return response.headers.get('mcp-session-id')!;
  }

  it('closes the open GET stream of a deleted session', async () => {
    const id = await openSession();
    const stream = await fetch(sessionUrl, { headers: { ...legacyHeaders, accept: 'text/event-stream', 'x-api-key': t.adminKey, 'mcp-session-id': id } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read(); // the stream's opening comment

    const deleted = await fetch(sessionUrl, { method: 'DELETE', headers: { ...legacyHeaders, 'x-api-key': t.adminKey, 'mcp-session-id': id } });
    expect(deleted.status).toBe(200);

    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await reader.read()).done) return 'closed';
      })(),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 5000)),
    ]);
    expect(ended).toBe('closed');
  });

  it('refuses the deleted id, and requests that leave the id out, until the client initializes again', async () => {
    const id = await openSession();
    expect((await post(toolsList, { 'mcp-session-id': id })).status).toBe(200);
    await fetch(sessionUrl, { method: 'DELETE', headers: { ...legacyHeaders, 'x-api-key': t.adminKey, 'mcp-session-id': id } });

    const withDeletedId = await post(toolsList, { 'mcp-session-id': id });
    expect(withDeletedId.status).toBe(404);
    expect(((await withDeletedId.json()) as JsonRpcError).error.code).toBe(-32001);

    const withoutId = await post(toolsList);
    expect(withoutId.status).toBe(400);
    const refusal = (await withoutId.json()) as JsonRpcError;
    expect(refusal.error.code).toBe(-32600);
    expect(refusal.error.message).toContain('Mcp-Session-Id');

    // A ping needs no session (clients probe with it before initialize); a new initialize works.
    expect((await post({ jsonrpc: '2.0', id: 2, method: 'ping' })).status).toBe(200);
    const again = await openSession();
    expect(again).not.toBe(id);
    expect((await post(toolsList, { 'mcp-session-id': again })).status).toBe(200);
  });
});
