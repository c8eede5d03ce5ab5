import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/** The Composio-shaped REST API, checked on the wire; test/clients/ drives it with Composio's own SDKs. */
describe.skipIf(!testDatabaseAvailable())('Composio-compatible API', () => {
  let t: TestServer;
  let url: string;
  const call = (method: 'POST' | 'GET' | 'PATCH' | 'DELETE', path: string, payload?: object, key?: string) =>
    t.server.app.inject({ method, url: path, headers: { 'x-api-key': key ?? t.adminKey }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await startTestServer();
    url = await t.server.listen();
  });
  afterAll(async () => t?.close());

  const createSession = async (body: object, prefix = '/api/v3.1') => {
    const response = await call('POST', `${prefix}/tool_router/session`, body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };

  it('creates a session as the SDK asks, with the MCP URL and the COMPOSIO_ meta-tools', async () => {
    const session = await createSession({ user_id: 'alice', toolkits: { enable: ['backendless'] }, manage_connections: { enable: true } });
    expect(session.session_id).toMatch(/^trs_/);
    expect(session.mcp).toEqual({ type: 'http', url: `${url}/mcp/${session.session_id}` });
    expect(session.tool_router_tools).toEqual([
      'COMPOSIO_SEARCH_TOOLS',
      'COMPOSIO_GET_TOOL_SCHEMAS',
      'COMPOSIO_MANAGE_CONNECTIONS',
      'COMPOSIO_WAIT_FOR_CONNECTIONS',
      'COMPOSIO_MULTI_EXECUTE_TOOL',
    ]);
    expect(session.config).toMatchObject({ user_id: 'alice', toolkits: { enabled: ['backendless'] }, manage_connections: { enabled: true } });
    expect(session.config_version).toBe(1);

    const fetched = await call('GET', `/api/v3/tool_router/session/${session.session_id}`);
    expect(fetched.json().session_id).toBe(session.session_id);
    // The same session through Switchboard's own API keeps its naming.
    expect((await call('GET', `/v1/sessions/${session.session_id}`)).json().config.meta_tool_names).toBe('composio');
  });

  it('serves the COMPOSIO_ meta-tools over MCP with Composio result shapes, backed by the same search and execution', async () => {
    const session = await createSession({ user_id: 'bob', toolkits: { enable: ['backendless'] } });
    const client = new Client({ name: 'compat', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(session.mcp.url), { requestInit: { headers: { 'x-api-key': t.adminKey } } }));
    const tools = (await client.listTools()).tools;
    const search = tools.find((tool) => tool.name === 'COMPOSIO_SEARCH_TOOLS')!;
    expect(Object.keys(search.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['queries', 'session', 'model']));

    const found = await client.callTool({
      name: 'COMPOSIO_SEARCH_TOOLS',
      arguments: { queries: [{ use_case: 'list the files in a Backendless folder' }], session: { generate_id: true }, model: 'gpt-5' },
    });
    const body = JSON.parse((found.content as { text: string }[])[0]!.text);
    expect(body.successful).toBe(true);
    expect(body.error).toBeNull();
    const primary = body.data.results[0].primary_tool_slugs as string[];
    expect(primary[0]).toMatch(/^BACKENDLESS_/);
    expect(body.data.tool_schemas[primary[0]!].input_schema).toBeTypeOf('object');
    expect(body.data.toolkit_connection_statuses[0]).toMatchObject({ toolkit: 'backendless', has_active_connection: false });
    expect(body.data.session.id).toMatch(/^wf_/);

    const executed = await client.callTool({
      name: 'COMPOSIO_MULTI_EXECUTE_TOOL',
      arguments: { tools: [{ tool_slug: primary[0], arguments: {} }], sync_response_to_workbench: false, session_id: body.data.session.id },
    });
    const outcome = JSON.parse((executed.content as { text: string }[])[0]!.text);
    expect(outcome.successful).toBe(true);
    // Not connected yet: the item carries the reason, as Composio's does.
    expect(outcome.data.results[0]).toMatchObject({ tool_slug: primary[0], index: 0 });
    expect(outcome.data.error_count).toBe(1);

    const wrong = await client.callTool({ name: 'COMPOSIO_GET_TOOL_SCHEMAS', arguments: { tool_slugs: 'not-a-list' } });
    expect(wrong.isError).toBe(true);
    const failure = JSON.parse((wrong.content as { text: string }[])[0]!.text);
    expect(failure).toMatchObject({ successful: false, data: {} });
    expect(failure.error).toContain('tool_slugs');
    // Switchboard's own names are not listed in a Composio session.
    await expect(client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'x' }] } })).rejects.toThrow(/search_tools/);
    await client.close();
  });

  it('runs search, execute_meta, link and toolkits through REST', async () => {
    const session = await createSession({ user_id: 'carol', toolkits: ['bitbucket'] });
    const base = `/api/v3.1/tool_router/session/${session.session_id}`;
    const search = (await call('POST', `${base}/search`, { queries: [{ use_case: 'create a branch in a repository' }] })).json();
    expect(search.results[0].primary_tool_slugs).toContain('BITBUCKET_CREATE_BRANCH');
    const meta = (await call('POST', `${base}/execute_meta`, { slug: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['bitbucket'] } })).json();
    expect(meta.result_type).toBe('completed');
    expect(meta.data.results.bitbucket.status).toBe('initiated');
    const link = await call('POST', `${base}/link`, { toolkit: 'bitbucket' });
    expect(link.statusCode).toBe(201);
    expect(link.json().redirect_url).toContain('/connect/lt_');
    const toolkits = (await call('GET', `${base}/toolkits?toolkits=bitbucket`)).json();
    expect(toolkits.items).toHaveLength(1);
    expect(toolkits.items[0]).toMatchObject({ slug: 'bitbucket', is_no_auth: false, connected_account: { status: 'INITIATED', user_id: 'carol' } });
    const executed = (await call('POST', `${base}/execute`, { tool_slug: 'BITBUCKET_LIST_WORKSPACES', arguments: {} })).json();
    expect(executed).toMatchObject({ result_type: 'failed', successful: false });
    expect(executed.error).toMatch(/connect/i);
    expect((await call('DELETE', base)).json()).toEqual({ session_id: session.session_id, deleted: true });
    expect((await call('GET', base)).statusCode).toBe(404);
  });

  it('answers errors in the envelope the SDKs parse, refuses what it cannot honour, and names what it does not serve', async () => {
    const unknownToolkit = await call('POST', '/api/v3.1/tool_router/session', { user_id: 'dave', toolkits: { enable: ['nope'] } });
    expect(unknownToolkit.statusCode).toBe(404);
    expect(unknownToolkit.json().error).toMatchObject({ slug: 'TOOLKIT_NOT_FOUND', status: 404, code: 404 });
    expect(unknownToolkit.json().error.message).toContain('nope');
    expect(unknownToolkit.json().message).toBe(unknownToolkit.json().error.message);

    const hooks = await call('POST', '/api/v3.1/tool_router/session', { user_id: 'dave', hooks: [{ type: 'before' }] });
    expect(hooks.statusCode).toBe(400);
    expect(hooks.json().error.message).toContain('hooks');
    for (const [option, body] of [
      ['experimental.custom_tools', { experimental: { custom_tools: [{ slug: 'GREP' }] } }],
      ['multi_account', { multi_account: { enable: true } }],
      ['proxy_execute', { proxy_execute: { enable: true } }],
      ['connected_accounts.backendless', { connected_accounts: { backendless: ['ca_a', 'ca_b'] } }],
    ] as const) {
      const refused = await call('POST', '/api/v3.1/tool_router/session', { user_id: 'dave', ...body });
      expect(refused.statusCode, option).toBe(400);
      expect(refused.json().error.message).toContain(option);
    }
    const unknownOption = await call('POST', '/api/v3.1/tool_router/session', { user_id: 'dave', colour: 'blue' });
    expect(unknownOption.statusCode).toBe(400);
    expect(unknownOption.json().error.slug).toBe('VALIDATION_FAILED');
    // Nothing was half-created.
    expect((await call('GET', '/v1/sessions?user_id=dave')).json().items).toEqual([]);

    const wrongKey = await call('POST', '/api/v3.1/tool_router/session', { user_id: 'dave' }, `sk_${'x'.repeat(42)}`);
    expect(wrongKey.statusCode).toBe(401);
    expect(wrongKey.json().error.slug).toBe('UNAUTHENTICATED');

    const notServed = await call('GET', '/api/v3.1/triggers_types?limit=1');
    expect(notServed.statusCode).toBe(501);
    expect(notServed.json().error).toMatchObject({ slug: 'NOT_IMPLEMENTED', status: 501 });
    expect(notServed.json().error.message).toContain('GET /api/v3.1/triggers_types');
  });

  it("does not show one user's session to a key bound to another user", async () => {
    const session = await createSession({ user_id: 'erin', toolkits: ['backendless'] });
    const key = (await call('POST', '/v1/api-keys', { name: 'frank', scopes: ['tools:execute'], user_id: 'frank' })).json().key;
    const peek = await call('GET', `/api/v3.1/tool_router/session/${session.session_id}`, undefined, key);
    expect(peek.statusCode).toBe(404);
    expect(peek.json().error.message).toContain(session.session_id);
  });
});
