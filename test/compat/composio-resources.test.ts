import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/** Composio's top-level resources (tools, toolkits, connected accounts, auth configs), checked on the wire. */
describe.skipIf(!testDatabaseAvailable())('Composio-compatible resources', () => {
  let t: TestServer;
  const call = (method: 'POST' | 'GET' | 'DELETE', path: string, payload?: object, key?: string) =>
    t.server.app.inject({ method, url: path, headers: { 'x-api-key': key ?? t.adminKey }, ...(payload ? { payload } : {}) });
  const userKey = async (userId: string) =>
    (await call('POST', '/v1/api-keys', { name: userId, scopes: ['tools:execute'], user_id: userId })).json().key as string;

  beforeAll(async () => {
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  it('lists and gets tools in Composio’s Tool shape, by toolkit, slug and words', async () => {
    const byToolkit = await call('GET', '/api/v3.1/tools?toolkit_slug=backendless%2Cbitbucket&important=true&toolkit_versions=latest');
    expect(byToolkit.statusCode, byToolkit.body).toBe(200);
    const page = byToolkit.json();
    expect(page.total_items).toBe(page.items.length);
    expect(new Set(page.items.map((tool: { toolkit: { slug: string } }) => tool.toolkit.slug))).toEqual(new Set(['backendless', 'bitbucket']));
    expect(page.items[0]).toMatchObject({ version: '1.0.0', available_versions: ['1.0.0'], is_deprecated: false, no_auth: false });
    expect(page.items[0].input_parameters.type).toBe('object');

    const bySlug = (await call('GET', '/api/v3/tools?tool_slugs=BITBUCKET_CREATE_BRANCH&limit=9999')).json();
    expect(bySlug.items.map((tool: { slug: string }) => tool.slug)).toEqual(['BITBUCKET_CREATE_BRANCH']);
    const byWords = (await call('GET', '/api/v3.1/tools?query=create+branch&toolkit_slug=bitbucket')).json();
    expect(byWords.items[0].slug).toBe('BITBUCKET_CREATE_BRANCH');
    const paged = (await call('GET', '/api/v3.1/tools?toolkit_slug=bitbucket&limit=2')).json();
    expect(paged.items).toHaveLength(2);
    const next = (await call('GET', `/api/v3.1/tools?toolkit_slug=bitbucket&limit=2&cursor=${paged.next_cursor}`)).json();
    expect(next.current_page).toBe(2);
    expect(next.items[0].slug).not.toBe(paged.items[0].slug);

    const one = await call('GET', '/api/v3.1/tools/BITBUCKET_CREATE_BRANCH?toolkit_versions=latest');
    expect(one.json()).toMatchObject({ slug: 'BITBUCKET_CREATE_BRANCH', toolkit: { slug: 'bitbucket', name: 'Bitbucket' } });
  });

  it('answers unknown tools with 404 and refuses versions and filters it cannot honour', async () => {
    const missing = await call('GET', '/api/v3.1/tools/BITBUCKET_NOPE');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ slug: 'TOOL_NOT_FOUND' });
    expect(missing.json().error.message).toContain('BITBUCKET_NOPE');
    expect((await call('GET', '/api/v3.1/tools?tool_slugs=BITBUCKET_CREATE_BRANCH,BITBUCKET_NOPE')).statusCode).toBe(404);
    expect((await call('GET', '/api/v3.1/tools?toolkit_slug=nope')).json().error.slug).toBe('TOOLKIT_NOT_FOUND');

    const oldVersion = await call('GET', '/api/v3.1/tools?toolkit_slug=bitbucket&toolkit_versions%5Bbitbucket%5D=20250101_00');
    expect(oldVersion.statusCode).toBe(400);
    expect(oldVersion.json().error.message).toContain('1.0.0');
    const scopes = await call('GET', '/api/v3.1/tools?toolkit_slug=bitbucket&scopes=repo');
    expect(scopes.statusCode).toBe(400);
    expect(scopes.json().error.message).toContain('scopes');
    expect((await call('GET', '/api/v3.1/tools/enum')).statusCode).toBe(501);
  });

  it('executes a tool for a user and refuses what it cannot honour', async () => {
    const notConnected = await call('POST', '/api/v3.1/tools/execute/BITBUCKET_LIST_WORKSPACES', { user_id: 'gina', arguments: {}, version: 'latest' });
    expect(notConnected.statusCode).toBe(409);
    expect(notConnected.json().error).toMatchObject({ slug: 'NOT_CONNECTED' });
    expect(notConnected.json().error.details.log_id).toBeTypeOf('string');

    const version = await call('POST', '/api/v3.1/tools/execute/BITBUCKET_LIST_WORKSPACES', { user_id: 'gina', arguments: {}, version: '0.9.0' });
    expect(version.statusCode).toBe(400);
    expect(version.json().error.message).toContain('0.9.0');
    const text = await call('POST', '/api/v3.1/tools/execute/BITBUCKET_LIST_WORKSPACES', { user_id: 'gina', text: 'list my workspaces' });
    expect(text.statusCode).toBe(400);
    expect(text.json().error.message).toContain('text');
    const customAuth = await call('POST', '/api/v3.1/tools/execute/BITBUCKET_LIST_WORKSPACES', { user_id: 'gina', custom_auth_params: { parameters: [] } });
    expect(customAuth.json().error.message).toContain('custom_auth_params');
    expect((await call('POST', '/api/v3.1/tools/execute/NOPE_TOOL', { user_id: 'gina', arguments: {} })).statusCode).toBe(404);
  });

  it('runs a tool with the user’s connected account and answers {data, error, successful, log_id}', async () => {
    const upstream = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ values: [{ slug: 'team' }], page: 1, pagelen: 10 }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    try {
      const created = await call('POST', '/v1/connected-accounts', {
        user_id: 'hana',
        toolkit: 'bitbucket',
        credentials: { email: 'hana@example.com', api_token: 'token-1' },
        base_url: `http://127.0.0.1:${port}/2.0`,
      });
      expect(created.statusCode, created.body).toBe(201);
      const executed = await call('POST', '/api/v3/tools/execute/BITBUCKET_LIST_WORKSPACES', { user_id: 'hana', arguments: {}, version: '1.0.0' });
      expect(executed.statusCode, executed.body).toBe(200);
      const body = executed.json();
      expect(Object.keys(body).sort()).toEqual(['data', 'error', 'log_id', 'session_info', 'successful']);
      expect(body).toMatchObject({ successful: true, error: null });
      expect(JSON.stringify(body.data)).toContain('team');
      expect(body.log_id).toBeTypeOf('string');
    } finally {
      upstream.close();
    }
  });

  it('lists and gets toolkits in Composio’s shape', async () => {
    const list = (await call('GET', '/api/v3.1/toolkits?sort_by=alphabetically')).json();
    expect(list.items.map((item: { slug: string }) => item.slug)).toEqual(['backendless', 'bitbucket']);
    expect(list.items[0]).toMatchObject({ type: 'native', is_local_toolkit: false, auth_schemes: ['API_KEY'], composio_managed_auth_schemes: [] });
    expect(list.items[0].meta.tools_count).toBeGreaterThan(0);
    expect((await call('GET', '/api/v3.1/toolkits?type=custom')).json().items).toEqual([]);
    expect((await call('GET', '/api/v3.1/toolkits?search=git')).json().items.map((item: { slug: string }) => item.slug)).toEqual(['bitbucket']);

    const one = (await call('GET', '/api/v3/toolkits/backendless')).json();
    expect(one).toMatchObject({ slug: 'backendless', enabled: true, meta: { available_versions: ['1.0.0'] } });
    expect(one.auth_config_details[0].mode).toBe('API_KEY');
    expect(one.auth_config_details[0].fields.connected_account_initiation.required.map((field: { name: string }) => field.name)).toEqual([
      'app_id',
      'rest_api_key',
    ]);
    const missing = await call('GET', '/api/v3.1/toolkits/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toContain('nope');
    expect((await call('GET', '/api/v3.1/toolkits?sort_by=usage')).statusCode).toBe(400);
  });

  it('creates auth configs for typed-in toolkits, refuses managed OAuth and leaves nothing behind on a refusal', async () => {
    const custom = await call('POST', '/api/v3.1/auth_configs', {
      toolkit: { slug: 'backendless' },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
    });
    expect(custom.statusCode, custom.body).toBe(201);
    expect(custom.json()).toMatchObject({ toolkit: { slug: 'backendless' }, auth_config: { auth_scheme: 'API_KEY', is_composio_managed: false } });
    expect(custom.json().auth_config.id).toMatch(/^ac_/);
    const managed = await call('POST', '/api/v3.1/auth_configs', { toolkit: { slug: 'bitbucket' }, auth_config: { type: 'use_composio_managed_auth' } });
    expect(managed.json().auth_config.auth_scheme).toBe('BASIC');

    const count = async () => (await call('GET', '/api/v3.1/auth_configs')).json().total_items as number;
    const before = await count();
    const refusals = [
      { toolkit: { slug: 'backendless' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY', credentials: { api_key: 'x' } } },
      { toolkit: { slug: 'backendless' }, auth_config: { type: 'use_custom_auth', authScheme: 'SAML' } },
      { toolkit: { slug: 'backendless' }, auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: 'c' } } },
      { toolkit: { slug: 'backendless' }, auth_config: { type: 'use_composio_managed_auth', shared_credentials: { a: 1 } } },
    ];
    for (const body of refusals) {
      const refused = await call('POST', '/api/v3.1/auth_configs', body);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error.slug).toBe('VALIDATION_FAILED');
    }
    expect(await count()).toBe(before);
    expect((await call('POST', '/api/v3.1/auth_configs', { toolkit: { slug: 'nope' } })).statusCode).toBe(404);

    const listed = (await call('GET', '/api/v3.1/auth_configs?toolkit_slug=backendless')).json();
    expect(listed.items.map((item: { id: string }) => item.id)).toContain(custom.json().auth_config.id);
    expect(listed.items[0]).toMatchObject({ type: 'custom', status: 'ENABLED', auth_scheme: 'API_KEY', no_of_connections: 0 });
    expect((await call('GET', '/api/v3.1/auth_configs?is_composio_managed=true')).json().items).toEqual([]);
    expect((await call('GET', `/api/v3.1/auth_configs/${custom.json().auth_config.id}`)).json().id).toBe(custom.json().auth_config.id);
  });

  it('links, lists, gets and deletes connected accounts, each user seeing only their own', async () => {
    const config = (
      await call('POST', '/api/v3.1/auth_configs', { toolkit: { slug: 'backendless' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } })
    ).json().auth_config.id as string;
    const link = await call('POST', '/api/v3.1/connected_accounts/link', { auth_config_id: config, user_id: 'ivan', callback_url: 'https://example.com/done' });
    expect(link.statusCode, link.body).toBe(201);
    expect(link.json().redirect_url).toContain('/connect/lt_');
    const accountId = link.json().connected_account_id as string;
    expect(accountId).toMatch(/^ca_/);

    const account = (await call('GET', `/api/v3.1/connected_accounts/${accountId}`)).json();
    expect(account).toMatchObject({ id: accountId, user_id: 'ivan', status: 'INITIATED', toolkit: { slug: 'backendless' }, auth_config: { id: config } });
    const listed = (await call('GET', `/api/v3.1/connected_accounts?user_ids=ivan,nobody&toolkit_slugs=backendless&statuses=INITIATED,ACTIVE`)).json();
    expect(listed.items.map((item: { id: string }) => item.id)).toEqual([accountId]);
    expect((await call('GET', `/api/v3.1/connected_accounts?user_ids=ivan&statuses=ACTIVE&auth_config_ids=${config}`)).json().items).toEqual([]);

    const unknown = await call('POST', '/api/v3.1/connected_accounts/link', { auth_config_id: 'ac_missing', user_id: 'ivan' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toContain('auth_configs.create');
    const prefill = await call('POST', '/api/v3.1/connected_accounts/link', { auth_config_id: config, user_id: 'ivan', connection_data: { subdomain: 'x' } });
    expect(prefill.statusCode).toBe(400);
    expect(prefill.json().error.message).toContain('connection_data');

    // Another user's key: cannot list, read or delete ivan's account.
    const judy = await userKey('judy');
    expect((await call('GET', '/api/v3.1/connected_accounts', undefined, judy)).json().items).toEqual([]);
    expect((await call('GET', '/api/v3.1/connected_accounts?user_ids=ivan', undefined, judy)).statusCode).toBe(403);
    expect((await call('GET', `/api/v3.1/connected_accounts/${accountId}`, undefined, judy)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v3.1/connected_accounts/${accountId}`, undefined, judy)).statusCode).toBe(404);
    expect((await call('GET', `/api/v3.1/connected_accounts/${accountId}`)).statusCode).toBe(200);

    // ivan's own key sees it and deletes it.
    const ivan = await userKey('ivan');
    expect((await call('GET', '/api/v3.1/connected_accounts', undefined, ivan)).json().items.map((item: { id: string }) => item.id)).toEqual([accountId]);
    expect((await call('DELETE', `/api/v3.1/connected_accounts/${accountId}`, undefined, ivan)).json()).toEqual({ success: true });
    expect((await call('GET', `/api/v3.1/connected_accounts/${accountId}`)).statusCode).toBe(404);
  });
  it('initiates connected accounts: a hosted-page link without credentials, an ACTIVE account with them, refusals by name', async () => {
    const config = (
      await call('POST', '/api/v3.1/auth_configs', { toolkit: { slug: 'backendless' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } })
    ).json().auth_config.id as string;
    const accountsOf = async (user: string) =>
      (await call('GET', `/api/v3.1/connected_accounts?user_ids=${user}`)).json().items.map((item: { id: string }) => item.id) as string[];

    // No credentials: a connect link to the hosted page, and an INITIATED account.
    const linked = await call('POST', '/api/v3.1/connected_accounts', {
      auth_config: { id: config },
      connection: { user_id: 'kate', callback_url: 'https://example.com/done' },
    });
    expect(linked.statusCode, linked.body).toBe(201);
    const initiated = linked.json();
    expect(initiated.id).toMatch(/^ca_/);
    expect(initiated).toMatchObject({ status: 'INITIATED', connectionData: { authScheme: 'API_KEY', val: { status: 'INITIATED' } } });
    expect(initiated.redirect_url).toContain('/connect/lt_');
    expect(initiated.connectionData.val.redirectUrl).toBe(initiated.redirect_url);
    expect(initiated.connectionData.val.redirect_url).toBe(initiated.redirect_url);
    expect((await call('GET', `/api/v3/connected_accounts/${initiated.id}`)).json()).toMatchObject({
      status: 'INITIATED',
      user_id: 'kate',
      auth_config: { id: config },
    });
    const page = await t.server.app.inject({ method: 'GET', url: new URL(initiated.redirect_url).pathname });
    expect(page.statusCode).toBe(200);

    // Credentials for the typed-in scheme: the account is created ACTIVE; nothing secret comes back.
    const active = await call('POST', '/api/v3.1/connected_accounts', {
      auth_config: { id: config },
      connection: {
        user_id: 'kate',
        alias: 'work',
        state: {
          authScheme: 'API_KEY',
          val: { status: 'ACTIVE', app_id: '11111111-2222-3333-4444-555555555555', rest_api_key: '99999999-8888-7777-6666-555555555555' },
        },
      },
    });
    expect(active.statusCode, active.body).toBe(201);
    expect(active.json()).toMatchObject({ status: 'ACTIVE', redirect_url: null, connectionData: { authScheme: 'API_KEY', val: { status: 'ACTIVE' } } });
    expect(active.body).not.toContain('99999999-8888');
    expect((await call('GET', `/api/v3.1/connected_accounts/${active.json().id}`)).json()).toMatchObject({
      status: 'ACTIVE',
      alias: 'work',
      toolkit: { slug: 'backendless' },
    });

    // Refusals: 400 naming the option, nothing created.
    const before = await accountsOf('kate');
    const refusals: [object, string][] = [
      [{ auth_config: { id: config }, connection: { user_id: 'kate', experimental: { account_type: 'SHARED' } } }, 'experimental.account_type'],
      [{ auth_config: { id: config }, connection: { user_id: 'kate', data: { app_id: 'x' } } }, 'connection.data'],
      [{ auth_config: { id: config }, connection: { user_id: 'kate' }, validate_credentials: true }, 'validate_credentials'],
      [
        { auth_config: { id: config }, connection: { user_id: 'kate', state: { authScheme: 'API_KEY', val: { status: 'INITIATED', app_id: 'x' } } } },
        'connection.state.val.app_id',
      ],
      [
        { auth_config: { id: config }, connection: { user_id: 'kate', state: { authScheme: 'OAUTH2', val: { status: 'ACTIVE', access_token: 't' } } } },
        'connection.state.authScheme',
      ],
      [{ auth_config: { id: config }, connection: { user_id: 'kate', state: { authScheme: 'API_KEY', val: { status: 'FAILED' } } } }, 'status=FAILED'],
      [
        { auth_config: { id: config }, connection: { user_id: 'kate', state: { authScheme: 'API_KEY', val: { status: 'ACTIVE', api_key: 'k' } } } },
        'connection.state.val.api_key',
      ],
      [
        {
          auth_config: { id: config },
          connection: {
            user_id: 'kate',
            callback_url: 'https://example.com/x',
            state: {
              authScheme: 'API_KEY',
              val: { status: 'ACTIVE', app_id: '11111111-2222-3333-4444-555555555555', rest_api_key: '99999999-8888-7777-6666-555555555555' },
            },
          },
        },
        'callback_url',
      ],
      [{ auth_config: { id: config }, connection: { user_id: 'kate', unknown_option: true } }, 'unknown_option'],
    ];
    for (const [body, needle] of refusals) {
      const refused = await call('POST', '/api/v3.1/connected_accounts', body);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error.message).toContain(needle);
    }
    expect(await accountsOf('kate')).toEqual(before);
    const unknown = await call('POST', '/api/v3.1/connected_accounts', { auth_config: { id: 'ac_missing' }, connection: { user_id: 'kate' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toContain('auth_configs.create');

    // A user-bound key initiates for its own user only.
    const lena = await userKey('lena');
    const own = await call('POST', '/api/v3.1/connected_accounts', { auth_config: { id: config }, connection: {} }, lena);
    expect(own.statusCode, own.body).toBe(201);
    expect((await call('GET', `/api/v3.1/connected_accounts/${own.json().id}`)).json().user_id).toBe('lena');
    for (const state of [
      undefined,
      {
        authScheme: 'API_KEY',
        val: { status: 'ACTIVE', app_id: '11111111-2222-3333-4444-555555555555', rest_api_key: '99999999-8888-7777-6666-555555555555' },
      },
    ]) {
      const other = await call(
        'POST',
        '/api/v3.1/connected_accounts',
        { auth_config: { id: config }, connection: { user_id: 'kate', ...(state ? { state } : {}) } },
        lena,
      );
      expect(other.statusCode, other.body).toBe(403);
    }
    expect(await accountsOf('kate')).toEqual(before);
    expect((await call('GET', `/api/v3.1/connected_accounts/${active.json().id}`, undefined, lena)).statusCode).toBe(404);
  });
});
