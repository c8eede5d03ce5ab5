import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = Record<string, any>;

/** Sessions over REST, and their policy enforced on every path: listing, search, schemas, execution, links. */
describe.skipIf(!testDatabaseAvailable())('tool-router sessions', () => {
  let t: TestServer;
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, key?: string) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': key ?? t.adminKey }, ...(payload ? { payload } : {}) });
  const create = async (body: Json, key?: string) => {
    const response = await api('POST', '/v1/sessions', body, key);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Json;
  };
  const context = (session: Json) =>
    t.server.router.open({ projectId: t.server.bootstrapResult.created!.project.id, keyId: null, scopes: ['admin'] }, session.session_id);

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t?.close());

  it('creates a session with its MCP URL, headers, token URL and the stored policy; get, list, patch and delete it', async () => {
    const session = await create({ user_id: 'ada', toolkits: { enable: ['bitbucket'] }, tags: { disable: ['destructiveHint'] } });
    expect(session).toMatchObject({
      session_id: expect.stringMatching(/^trs_/),
      user_id: 'ada',
      mcp: { type: 'http', url: `${t.config.publicUrl}/mcp/${session.session_id}`, headers: { 'x-api-key': t.adminKey } },
      tools: ['search_tools', 'get_tool_schemas', 'manage_connections', 'wait_for_connections', 'multi_execute_tool'],
      version: 1,
      config: { toolkits: { enabled: ['bitbucket'] }, tags: { enabled: [], disabled: ['destructiveHint'] }, mode: 'meta', read_only: false },
    });
    expect(session.mcp.token_url).toMatch(/\?token=[0-9a-f]{8}\.[A-Za-z0-9_-]{43}$/);
    expect((await api('GET', `/v1/sessions/${session.session_id}`)).json()).toMatchObject({ session_id: session.session_id, version: 1 });
    expect((await api('GET', '/v1/sessions?user_id=ada')).json().items.map((item: Json) => item.session_id)).toContain(session.session_id);

    const direct = (await api('PATCH', `/v1/sessions/${session.session_id}`, { mode: 'direct', expected_version: 1 })).json();
    expect(direct.version).toBe(2);
    expect(direct.tools).toEqual(expect.arrayContaining(['manage_connections', 'BITBUCKET_GET_CURRENT_USER']));
    expect(direct.tools).not.toContain('BITBUCKET_DELETE_REPOSITORY');
    expect(direct.config.tags.disabled).toEqual(['destructiveHint']);
    expect((await api('PATCH', `/v1/sessions/${session.session_id}`, { read_only: true, expected_version: 1 })).statusCode).toBe(409);
    expect((await api('DELETE', `/v1/sessions/${session.session_id}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/sessions/${session.session_id}`)).statusCode).toBe(404);
  });

  it("refuses to pin another user's account, a missing one or one of another toolkit, at create and at update", async () => {
    const account = async (user: string) => {
      const created = await api('POST', '/v1/connected-accounts', {
        user_id: user,
        toolkit: 'backendless',
        credentials: { app_id: '3f0c5c4e-0000-4000-8000-000000000001', rest_api_key: 'backendless-key-123' },
      });
      expect(created.statusCode, created.body).toBe(201);
      return created.json().id as string;
    };
    const mallory = await account('mallory-pin');
    const victim = await account('victim-pin');
    const refusals = [
      await api('POST', '/v1/sessions', { user_id: 'mallory-pin', connected_accounts: { backendless: victim } }),
      await api('POST', '/v1/sessions', { user_id: 'mallory-pin', connected_accounts: { backendless: 'ca_doesnotexist000000' } }),
      await api('POST', '/v1/sessions', { user_id: 'mallory-pin', toolkits: ['bitbucket'], connected_accounts: { bitbucket: mallory } }),
    ];
    for (const refused of refusals) {
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: expect.stringMatching(/^connected_accounts\./) } });
    }
    expect(refusals[0]!.json().error.message).toContain(`${victim} is not a backendless account of user mallory-pin`);

    const session = await create({ user_id: 'mallory-pin', connected_accounts: { backendless: mallory } });
    const patched = await api('PATCH', `/v1/sessions/${session.session_id}`, { connected_accounts: { backendless: victim } });
    expect(patched.statusCode, patched.body).toBe(400);
    expect(patched.json().error.details).toMatchObject({ field: 'connected_accounts.backendless', connected_account_id: victim });
    expect((await api('GET', `/v1/sessions/${session.session_id}`)).json().config.connected_accounts).toEqual({ backendless: mallory });
    expect((await api('PATCH', `/v1/sessions/${session.session_id}`, { read_only: true })).statusCode).toBe(200);
  });

  it('enforces the policy on listing, search, schemas, execution and links', async () => {
    const session = await create({
      user_id: 'grace',
      toolkits: ['bitbucket', 'backendless'],
      tools: { backendless: ['BACKENDLESS_DIRECTORY_LISTING'] },
      read_only: true,
      mode: 'direct',
    });
    const ctx = await context(session);
    const listed = (await t.server.router.listTools(ctx)).map((tool) => tool.name);
    expect(listed).toContain('BACKENDLESS_DIRECTORY_LISTING');
    expect(listed).not.toContain('BACKENDLESS_DELETE_FILE');
    expect(listed).not.toContain('BITBUCKET_CREATE_BRANCH');
    expect(listed.filter((name) => name.startsWith('BITBUCKET_')).length).toBeGreaterThan(3);

    const meta = await create({
      user_id: 'grace',
      toolkits: ['bitbucket', 'backendless'],
      tools: { backendless: ['BACKENDLESS_DIRECTORY_LISTING'] },
      read_only: true,
    });
    const search = (await api('POST', `/v1/sessions/${meta.session_id}/search`, { query: 'delete a file in backendless storage', limit: 10 })).json();
    const slugs = search.results[0].tools.map((tool: Json) => tool.tool_slug);
    expect(slugs).not.toContain('BACKENDLESS_DELETE_FILE');
    expect(slugs.every((slug: string) => slug === 'BACKENDLESS_DIRECTORY_LISTING' || slug.startsWith('BITBUCKET_'))).toBe(true);
    const createBranch = (await api('POST', `/v1/sessions/${meta.session_id}/search`, { query: 'create a branch in a Bitbucket repository' })).json();
    expect(createBranch.results[0].tools.map((tool: Json) => tool.tool_slug)).not.toContain('BITBUCKET_CREATE_BRANCH');

    const metaCtx = await context(meta);
    const schemas = (
      await t.server.router.callTool(metaCtx, 'get_tool_schemas', {
        tool_slugs: ['BITBUCKET_GET_CURRENT_USER', 'BITBUCKET_CREATE_BRANCH', 'BITBUCKET_GET_CURENT_USER'],
      })
    ).data as Json;
    expect(Object.keys(schemas.tool_schemas)).toEqual(['BITBUCKET_GET_CURRENT_USER']);
    expect(schemas.not_found).toEqual(['BITBUCKET_CREATE_BRANCH', 'BITBUCKET_GET_CURENT_USER']);
    expect(schemas.suggestions.BITBUCKET_GET_CURENT_USER).toContain('BITBUCKET_GET_CURRENT_USER');

    const refused = await api('POST', `/v1/sessions/${meta.session_id}/execute`, { tool_slug: 'BITBUCKET_CREATE_BRANCH', arguments: {} });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('read-only');
    const outside = await api('POST', `/v1/sessions/${meta.session_id}/execute`, {
      tool_slug: 'BACKENDLESS_DELETE_FILE',
      arguments: { relative_path: 'a.txt' },
    });
    expect(outside.statusCode).toBe(403);
    const multi = (await t.server.router.callTool(metaCtx, 'multi_execute_tool', { tools: [{ tool_slug: 'BACKENDLESS_DELETE_FILE', arguments: {} }] }))
      .data as Json;
    expect(multi.results[0].error).toContain('BACKENDLESS_DELETE_FILE is not among the tools enabled');

    const narrow = await create({ user_id: 'grace', toolkits: ['backendless'] });
    const linkElsewhere = await api('POST', `/v1/sessions/${narrow.session_id}/link`, { toolkit: 'bitbucket' });
    expect(linkElsewhere.statusCode).toBe(403);
    const link = await api('POST', `/v1/sessions/${narrow.session_id}/link`, { toolkit: 'backendless' });
    expect(link.statusCode, link.body).toBe(201);
    const toolkits = (await api('GET', `/v1/sessions/${narrow.session_id}/toolkits`)).json();
    expect(toolkits.items).toEqual([expect.objectContaining({ toolkit: 'backendless', connected: false, status: 'INITIATED' })]);
  });

  it('keeps sessions to their user and project, and refuses configs that cannot work', async () => {
    const bobKey = (await api('POST', '/v1/api-keys', { name: 'bob', scopes: ['tools:execute'], user_id: 'bob' })).json().key;
    const alices = await create({ user_id: 'alice' });
    for (const [method, url] of [
      ['GET', `/v1/sessions/${alices.session_id}`],
      ['PATCH', `/v1/sessions/${alices.session_id}`],
      ['DELETE', `/v1/sessions/${alices.session_id}`],
      ['POST', `/v1/sessions/${alices.session_id}/search`],
      ['POST', `/v1/sessions/${alices.session_id}/execute`],
      ['POST', `/v1/sessions/${alices.session_id}/link`],
      ['GET', `/v1/sessions/${alices.session_id}/toolkits`],
    ] as const) {
      const body =
        method === 'PATCH'
          ? { read_only: true }
          : url.endsWith('/execute')
            ? { tool_slug: 'BITBUCKET_GET_CURRENT_USER' }
            : url.endsWith('/link')
              ? { toolkit: 'bitbucket' }
              : url.endsWith('/search')
                ? { query: 'x' }
                : undefined;
      expect((await api(method, url, body, bobKey)).statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await api('POST', '/v1/sessions', { user_id: 'alice' }, bobKey)).statusCode).toBe(403);
    const bobs = await create({}, bobKey);
    expect(bobs.user_id).toBe('bob');
    expect((await api('GET', '/v1/sessions', undefined, bobKey)).json().items.map((item: Json) => item.user_id)).toEqual(['bob']);

    const cases: [Json, number][] = [
      [{ user_id: 'x', toolkits: ['nope'] }, 404],
      [{ user_id: 'x', toolkits: { enable: ['bitbucket'], disable: ['backendless'] } }, 400],
      [{ user_id: 'x', tools: { bitbucket: ['bad slug'] } }, 400],
      [{ user_id: 'x', tools: { bitbucket: { disable: ['BITBUCKET_DELETE_EVERYTHING'] } } }, 400],
      [{ user_id: 'x', preload: { tools: ['BITBUCKET_NOPE'] } }, 404],
      [{ user_id: 'x', auth_configs: { bitbucket: 'ac_missing' } }, 400],
      [{ user_id: 'x', mode: 'turbo' }, 400],
      [{ user_id: 'x', surprise: 1 }, 400],
      [{ user_id: '' }, 400],
    ];
    for (const [body, status] of cases) expect((await api('POST', '/v1/sessions', body)).statusCode, JSON.stringify(body)).toBe(status);
  });

  it('keeps the meta-tool list under 2,500 tokens however large the catalog', async () => {
    const tools = Array.from({ length: 400 }, (_, index) => ({
      slug: `BULK_OPERATION_${index}`,
      name: `Operation ${index}`,
      description: `Performs bulk operation number ${index} on the records of the bulk API, with filters, paging and sorting options.`,
      input_schema: { type: 'object', properties: { id: { type: 'string' }, filter: { type: 'string' } } },
      request: { method: 'GET', path: `/ops/${index}` },
    }));
    const added = await api('POST', '/v1/toolkits', {
      slug: 'bulk',
      name: 'Bulk',
      version: '1.0.0',
      description: 'Many tools.',
      base_url: 'https://bulk.example.com',
      auth: [{ type: 'none' }],
      tools,
    });
    expect(added.statusCode, added.body).toBe(200);
    const session = await create({ user_id: 'budget' });
    const listed = await t.server.router.listTools(await context(session));
    expect(listed).toHaveLength(5);
    const tokens = JSON.stringify({ tools: listed }).length / 4;
    expect(tokens).toBeLessThan(2500);
    const direct = await create({ user_id: 'budget', mode: 'direct' });
    expect((await t.server.router.listTools(await context(direct))).length).toBeGreaterThan(400);
  });
});
