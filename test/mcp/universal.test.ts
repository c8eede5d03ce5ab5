import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/** The universal `/mcp`: the key alone selects the project and the user (Rube/Codex style). */
describe.skipIf(!testDatabaseAvailable())('universal /mcp endpoint', () => {
  let t: TestServer;
  let url: string;
  const api = (method: 'POST' | 'GET', path: string, payload?: object) =>
    t.server.app.inject({ method, url: path, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await startTestServer();
    url = await t.server.listen();
  });
  afterAll(async () => t?.close());

  const connect = async (headers: Record<string, string>) => {
    const client = new Client({ name: 'universal', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
    return client;
  };

  it("acts for a user-bound key's user, or for x-user-id with a project key, and connect links name that user", async () => {
    const key = (await api('POST', '/v1/api-keys', { name: 'codex', scopes: ['tools:execute'], user_id: 'codex-user' })).json().key;
    const client = await connect({ authorization: `Bearer ${key}` });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('search_tools');
    const result = await client.callTool({ name: 'manage_connections', arguments: { toolkits: ['backendless'] } });
    const data = JSON.parse((result.content as { text: string }[])[0]!.text);
    const accountId = data.results.backendless.connected_account_id;
    expect((await api('GET', `/v1/connected-accounts/${accountId}`)).json().user_id).toBe('codex-user');
    await client.close();

    const viaHeader = await connect({ 'x-api-key': t.adminKey, 'x-user-id': 'header-user' });
    const found = await viaHeader.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'list the files in a Backendless folder' }] } });
    expect(JSON.parse((found.content as { text: string }[])[0]!.text).results[0].tools[0].toolkit).toBe('backendless');
    await viaHeader.close();
  });

  it('asks for a user when the key names none, and refuses a user-bound key acting for someone else', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const noUser = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...headers, 'x-api-key': t.adminKey }, body: JSON.stringify(initialize) });
    expect(noUser.status).toBe(400);
    expect(((await noUser.json()) as { error: { message: string } }).error.message).toContain('x-user-id');
    const key = (await api('POST', '/v1/api-keys', { name: 'bound', scopes: ['tools:execute'], user_id: 'bound-user' })).json().key;
    const other = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { ...headers, 'x-api-key': key, 'x-user-id': 'someone-else' },
      body: JSON.stringify(initialize),
    });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { data: { code: string } } }).error.data.code).toBe('FORBIDDEN');
  });
});
