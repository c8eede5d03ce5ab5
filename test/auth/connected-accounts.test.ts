import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, notesToolkit, startScriptedUpstream } from '../fixtures/notes-toolkit.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

type Upstream = Awaited<ReturnType<typeof startScriptedUpstream>>;

/** Several accounts per user and toolkit: which one a call runs with, aliases, defaults, allow-lists. */
describe.skipIf(!testDatabaseAvailable())('connected accounts: selection, defaults and allow-lists', () => {
  let t: TestServer;
  let upstream: Upstream;

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });
  const connect = async (user: string, tenant: string, extra: object = {}) => {
    const response = await api('POST', '/v1/connected-accounts', {
      user_id: user,
      toolkit: 'notes',
      credentials: { tenant, api_key: `key-for-${tenant}-000` },
      base_url: `${upstream.url}/{tenant}`,
      ...extra,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  /** Runs NOTES_GET_NOTE and says which tenant (account) the call went to. */
  const tenantUsed = async (user: string, extra: object = {}) => {
    upstream.next(json(200, { id: 1 }));
    const response = await api('POST', '/v1/tools/NOTES_GET_NOTE/execute', { user_id: user, arguments: { note_id: 1 }, ...extra });
    if (response.statusCode !== 200) return response.json().error;
    return upstream.requests.at(-1)!.url.split('/')[1];
  };

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    t = await startTestServer({ toolkits: [notesToolkit], env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' } });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it('runs with the named account, else the default; the default can be moved, and an alias names an account', async () => {
    const work = await connect('multi', 'work');
    const personal = await connect('multi', 'personal', { alias: 'personal' });
    expect(work.is_default).toBe(true);
    expect(personal).toMatchObject({ is_default: false, alias: 'personal' });
    expect(await tenantUsed('multi')).toBe('work');
    expect(await tenantUsed('multi', { connected_account_id: personal.id })).toBe('personal');

    const moved = await api('PATCH', `/v1/connected-accounts/${personal.id}`, { is_default: true });
    expect(moved.json()).toMatchObject({ is_default: true });
    expect((await api('GET', `/v1/connected-accounts/${work.id}`)).json().is_default).toBe(false);
    expect(await tenantUsed('multi')).toBe('personal');

    const renamed = await api('PATCH', `/v1/connected-accounts/${work.id}`, { alias: 'day job' });
    expect(renamed.json().alias).toBe('day job');
    expect((await api('PATCH', `/v1/connected-accounts/${work.id}`, { is_default: false })).statusCode).toBe(400);
    expect((await api('PATCH', `/v1/connected-accounts/${work.id}`, { alias: '' })).statusCode).toBe(400);
  });

  it('falls back to the most recent ACTIVE account when the default cannot run, and says why when none can', async () => {
    const first = await connect('fallback', 'first');
    const second = await connect('fallback', 'second');
    await api('POST', `/v1/connected-accounts/${first.id}/disable`);
    expect(await tenantUsed('fallback')).toBe('second');
    await api('POST', `/v1/connected-accounts/${second.id}/disable`);
    const error = await tenantUsed('fallback');
    expect(error.code).toBe('NOT_CONNECTED');
    expect(error.message).toContain(`${first.id} is DISABLED`);
    expect(error.message).toContain(`POST /v1/connected-accounts/${first.id}/enable`);

    await api('POST', `/v1/connected-accounts/${second.id}/enable`);
    expect((await api('DELETE', `/v1/connected-accounts/${first.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/connected-accounts/${second.id}`)).json().is_default).toBe(true);

    const refresh = await api('POST', `/v1/connected-accounts/${second.id}/refresh`);
    expect(refresh.statusCode).toBe(409);
    expect(refresh.json().error.message).toContain('POST /v1/connect-links');
  });

  it("enforces the auth config's tool allow-list and keeps a config that accounts use", async () => {
    const config = await api('POST', '/v1/auth-configs', { toolkit: 'notes', allowed_tools: ['NOTES_GET_NOTE'] });
    expect(config.statusCode, config.body).toBe(201);
    const limited = await connect('limited', 'limited', { auth_config_id: config.json().id });
    expect(limited.auth_config_id).toBe(config.json().id);
    expect(await tenantUsed('limited')).toBe('limited');
    const before = upstream.requests.length;
    const refused = await api('POST', '/v1/tools/NOTES_DELETE_NOTE/execute', { user_id: 'limited', arguments: { note_id: 1 } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain(`not allowed for accounts of auth config ${config.json().id}`);
    expect(upstream.requests.length).toBe(before);

    // Later accounts of the toolkit use the project's config by default, allow-list included.
    const implicit = await connect('implicit', 'implicit');
    expect(implicit.auth_config_id).toBe(config.json().id);

    const inUse = await api('DELETE', `/v1/auth-configs/${config.json().id}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error.message).toContain('used by 2 connected account(s)');
    const opened = await api('PATCH', `/v1/auth-configs/${config.json().id}`, { allowed_tools: null });
    expect(opened.statusCode).toBe(200);
    upstream.next(json(204, ''));
    expect((await api('POST', '/v1/tools/NOTES_DELETE_NOTE/execute', { user_id: 'limited', arguments: { note_id: 1 } })).statusCode).toBe(200);
    for (const id of [limited.id, implicit.id]) await api('DELETE', `/v1/connected-accounts/${id}`);
    expect((await api('DELETE', `/v1/auth-configs/${config.json().id}`)).statusCode).toBe(204);
  });

  it('refuses account requests that cannot work, creating nothing', async () => {
    const before = (await api('GET', '/v1/connected-accounts?limit=200')).json().items.length;
    const cases: [object, number, string][] = [
      [{ user_id: 'x', toolkit: 'notes', credentials: { api_key: 'k' } }, 400, 'credentials.tenant'],
      [{ user_id: 'x', toolkit: 'notes', credentials: { tenant: 'a', api_key: 5 } }, 400, 'credentials.api_key'],
      [{ user_id: 'x', toolkit: 'notes', credentials: { tenant: 'a', api_key: 'k', extra: 'v' } }, 400, 'credentials.extra'],
      [{ user_id: 'x', toolkit: 'notes', credentials: { tenant: 'a', api_key: 'line\nbreak' } }, 400, 'credentials.api_key'],
      [{ user_id: 'x', toolkit: 'notes', auth_config_id: 'ac_nope', credentials: {} }, 404, ''],
      [{ toolkit: 'notes', credentials: {} }, 400, 'user_id'],
    ];
    for (const [body, status, field] of cases) {
      const response = await api('POST', '/v1/connected-accounts', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      if (field) expect(response.json().error.details.field).toBe(field);
    }
    expect((await api('GET', '/v1/connected-accounts?limit=200')).json().items.length).toBe(before);
  });
});
