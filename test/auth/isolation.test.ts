import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendlessEmulator, startBackendlessEmulator } from '../emulators/backendless/index.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Isolation of managed auth: a key bound to user A never uses, lists or learns user B's accounts, and
 * project X's keys never see project Y's. Every endpoint that takes an account, a user or a config is tried.
 */
describe.skipIf(!testDatabaseAvailable())('managed-auth isolation', () => {
  let t: TestServer;
  let backendless: BackendlessEmulator;
  let aliceKey: string;
  let projectExecuteKey: string;
  let otherProjectKey: string;
  let aliceAccount: string;
  let bobAccount: string;
  let configId: string;

  const call = (method: Method, url: string, key: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
  const admin = (method: Method, url: string, payload?: object) => call(method, url, t.adminKey, payload);

  async function connect(userId: string): Promise<string> {
    const response = await admin('POST', '/v1/connected-accounts', {
      user_id: userId,
      toolkit: 'backendless',
      credentials: { app_id: backendless.appId, rest_api_key: backendless.restApiKey },
      base_url: `${backendless.url}/{app_id}/{rest_api_key}`,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id;
  }

  beforeAll(async () => {
    backendless = await startBackendlessEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' } });
    aliceAccount = await connect('alice');
    bobAccount = await connect('bob');
    configId = (await admin('POST', '/v1/auth-configs', { toolkit: 'backendless' })).json().id;
    const alice = await admin('POST', '/v1/api-keys', { name: 'alice', scopes: ['tools:execute'], user_id: 'alice' });
    expect(alice.statusCode, alice.body).toBe(201);
    expect(alice.json()).toMatchObject({ user_id: 'alice', scopes: ['tools:execute'] });
    aliceKey = alice.json().key;
    projectExecuteKey = (await admin('POST', '/v1/api-keys', { name: 'agent', scopes: ['tools:execute'] })).json().key;
    const other = (await admin('POST', '/v1/projects', { name: 'Project Y' })).json();
    otherProjectKey = (await admin('POST', '/v1/api-keys', { name: 'y', scopes: ['manage', 'tools:execute'], project_id: other.id })).json().key;
  });
  afterAll(async () => {
    await t?.close();
    await backendless?.close();
  });

  it("a user-bound key lists, reads and changes only its own user's accounts", async () => {
    const listed = (await call('GET', '/v1/connected-accounts', aliceKey)).json();
    expect(listed.items.map((item: { id: string }) => item.id)).toEqual([aliceAccount]);
    expect((await call('GET', '/v1/connected-accounts?user_id=bob', aliceKey)).statusCode).toBe(403);
    expect((await call('GET', '/v1/connected-accounts?user_id=alice', aliceKey)).json().items).toHaveLength(1);

    const probes: [Method, string, object?][] = [
      ['GET', `/v1/connected-accounts/${bobAccount}`],
      ['PATCH', `/v1/connected-accounts/${bobAccount}`, { alias: 'mine now' }],
      ['POST', `/v1/connected-accounts/${bobAccount}/disable`],
      ['POST', `/v1/connected-accounts/${bobAccount}/enable`],
      ['POST', `/v1/connected-accounts/${bobAccount}/refresh`],
      ['DELETE', `/v1/connected-accounts/${bobAccount}`],
    ];
    for (const [method, url, body] of probes) {
      const response = await call(method, url, aliceKey, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.body).not.toContain('bob');
    }
    expect((await admin('GET', `/v1/connected-accounts/${bobAccount}`)).json()).toMatchObject({ status: 'ACTIVE', alias: null });

    expect((await call('PATCH', `/v1/connected-accounts/${aliceAccount}`, aliceKey, { alias: 'work' })).json().alias).toBe('work');
    expect((await call('POST', `/v1/connected-accounts/${aliceAccount}/disable`, aliceKey)).json().status).toBe('DISABLED');
    expect((await call('POST', `/v1/connected-accounts/${aliceAccount}/enable`, aliceKey)).json().status).toBe('ACTIVE');
  });

  it('a user-bound key creates links, accounts and tool calls only for its own user', async () => {
    expect((await call('POST', '/v1/connect-links', aliceKey, { user_id: 'bob', toolkit: 'backendless' })).statusCode).toBe(403);
    const stolenReconnect = await call('POST', '/v1/connect-links', aliceKey, { toolkit: 'backendless', connected_account_id: bobAccount });
    expect(stolenReconnect.statusCode).toBe(404);
    const own = await call('POST', '/v1/connect-links', aliceKey, { toolkit: 'backendless' });
    expect(own.statusCode, own.body).toBe(201);
    expect((await admin('GET', `/v1/connected-accounts/${own.json().connected_account_id}`)).json().user_id).toBe('alice');

    const forBob = await call('POST', '/v1/connected-accounts', aliceKey, {
      user_id: 'bob',
      toolkit: 'backendless',
      credentials: { app_id: backendless.appId, rest_api_key: backendless.restApiKey },
    });
    expect(forBob.statusCode).toBe(403);

    const asBob = await call('POST', '/v1/tools/BACKENDLESS_DIRECTORY_LISTING/execute', aliceKey, { user_id: 'bob', arguments: { path: '/' } });
    expect(asBob.statusCode).toBe(403);
    const withBobsAccount = await call('POST', '/v1/tools/BACKENDLESS_DIRECTORY_LISTING/execute', aliceKey, {
      arguments: { path: '/' },
      connected_account_id: bobAccount,
    });
    expect(withBobsAccount.statusCode).toBe(404);
    const asAlice = await call('POST', '/v1/tools/BACKENDLESS_DIRECTORY_LISTING/execute', aliceKey, { arguments: { path: '/' } });
    expect(asAlice.json(), asAlice.body).toMatchObject({ successful: true });

    for (const [method, url] of [
      ['GET', '/v1/execution-logs'],
      ['GET', '/v1/api-keys'],
      ['POST', '/v1/auth-configs'],
      ['DELETE', `/v1/auth-configs/${configId}`],
    ] as const) {
      expect((await call(method, url, aliceKey, method === 'POST' ? { toolkit: 'backendless' } : undefined)).statusCode, url).toBe(403);
    }
  });

  it('user-bound keys cannot hold more than tools:execute, and a project agent key cannot delete accounts', async () => {
    const managing = await admin('POST', '/v1/api-keys', { name: 'x', scopes: ['manage'], user_id: 'alice' });
    expect(managing.statusCode).toBe(400);
    expect(managing.json().error.details.field).toBe('scopes');
    expect((await call('DELETE', `/v1/connected-accounts/${bobAccount}`, projectExecuteKey)).statusCode).toBe(403);
    expect((await call('GET', '/v1/connected-accounts', projectExecuteKey)).json().items.length).toBeGreaterThanOrEqual(2);
  });

  it("another project's key finds nothing of this project's accounts, links, configs or users", async () => {
    expect((await call('GET', '/v1/connected-accounts', otherProjectKey)).json().items).toEqual([]);
    expect((await call('GET', '/v1/connected-accounts?user_id=alice', otherProjectKey)).json().items).toEqual([]);
    expect((await call('GET', '/v1/auth-configs', otherProjectKey)).json().items).toEqual([]);
    const probes: [Method, string, object?][] = [
      ['GET', `/v1/connected-accounts/${aliceAccount}`],
      ['PATCH', `/v1/connected-accounts/${aliceAccount}`, { is_default: true }],
      ['POST', `/v1/connected-accounts/${aliceAccount}/disable`],
      ['POST', `/v1/connected-accounts/${aliceAccount}/refresh`],
      ['DELETE', `/v1/connected-accounts/${aliceAccount}`],
      ['GET', `/v1/auth-configs/${configId}`],
      ['PATCH', `/v1/auth-configs/${configId}`, { name: 'taken' }],
      ['DELETE', `/v1/auth-configs/${configId}`],
      ['POST', '/v1/connect-links', { user_id: 'alice', toolkit: 'backendless', connected_account_id: aliceAccount }],
      ['POST', '/v1/connect-links', { user_id: 'alice', toolkit: 'backendless', auth_config_id: configId }],
      ['POST', '/v1/connected-accounts', { user_id: 'alice', toolkit: 'backendless', auth_config_id: configId, credentials: {} }],
    ];
    for (const [method, url, body] of probes) {
      const response = await call(method, url, otherProjectKey, body);
      expect(response.statusCode, `${method} ${url} ${JSON.stringify(body ?? {})}`).toBe(404);
    }
    const executed = await call('POST', '/v1/tools/BACKENDLESS_DIRECTORY_LISTING/execute', otherProjectKey, {
      user_id: 'alice',
      arguments: { path: '/' },
      connected_account_id: aliceAccount,
    });
    expect(executed.statusCode).toBe(404);
    const defaultForAlice = await call('POST', '/v1/tools/BACKENDLESS_DIRECTORY_LISTING/execute', otherProjectKey, {
      user_id: 'alice',
      arguments: { path: '/' },
    });
    expect(defaultForAlice.statusCode).toBe(409);
    expect(defaultForAlice.json().error.code).toBe('NOT_CONNECTED');
    expect((await admin('GET', `/v1/connected-accounts/${aliceAccount}`)).json().status).toBe('ACTIVE');
  });
});
