import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendlessEmulator, startBackendlessEmulator } from '../emulators/backendless/index.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = Record<string, any>;

/**
 * Connect links and the hosted connect page for typed-in credentials (Backendless: app id + REST API
 * key in the base URL), driven through HTTP as a browser would post the form.
 */
describe.skipIf(!testDatabaseAvailable())('connect links and the connect page', () => {
  let t: TestServer;
  let backendless: BackendlessEmulator;

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, key?: string) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': key ?? t.adminKey }, ...(payload ? { payload } : {}) });
  const pathOf = (redirectUrl: string) => new URL(redirectUrl).pathname;
  const postForm = (path: string, fields: Record<string, string>) =>
    t.server.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
  const account = async (id: string) => (await api('GET', `/v1/connected-accounts/${id}`)).json() as Json;

  async function link(body: Json = {}): Promise<Json> {
    const response = await api('POST', '/v1/connect-links', {
      user_id: 'ada',
      toolkit: 'backendless',
      base_url: `${backendless.url}/{app_id}/{rest_api_key}`,
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  beforeAll(async () => {
    backendless = await startBackendlessEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '3000' } });
  });
  afterAll(async () => {
    await t?.close();
    await backendless?.close();
  });

  it('creates an INITIATED account and a single-use link whose page asks for the scheme fields', async () => {
    const created = await link({ callback_url: 'https://app.example/done?from=sb' });
    expect(created).toMatchObject({
      link_token: expect.stringMatching(/^lt_[A-Za-z0-9_-]{32}$/),
      connected_account_id: expect.stringMatching(/^ca_/),
      toolkit: 'backendless',
      auth_scheme: 'api_key',
      auth_config_id: null,
    });
    expect(created.redirect_url).toBe(`${t.config.publicUrl}/connect/${created.link_token}`);
    expect(Date.parse(created.expires_at) - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(await account(created.connected_account_id)).toMatchObject({ status: 'INITIATED', is_default: false, credential_hints: {} });

    const rows = await t.server.database.db.execute(sql`select t::text as row from connect_links t`);
    expect(JSON.stringify(rows)).not.toContain(created.link_token);

    const page = await t.server.app.inject({ method: 'GET', url: pathOf(created.redirect_url) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    for (const text of ['Connect Backendless', 'Application ID', 'REST API key', 'Console auth key (timers only)', '(optional)', 'type="password"']) {
      expect(page.body).toContain(text);
    }
  });

  it('shows each problem next to its field, keeps what was right, and creates nothing until the form is valid', async () => {
    const created = await link();
    const path = pathOf(created.redirect_url);
    const missing = await postForm(path, { app_id: backendless.appId, rest_api_key: '' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('REST API key is required.');
    expect(missing.body).toContain(`value="${backendless.appId}"`);
    expect(missing.body).toContain('aria-invalid="true"');

    const badFormat = await postForm(path, { app_id: 'not an id', rest_api_key: backendless.restApiKey });
    expect(badFormat.statusCode).toBe(422);
    expect(badFormat.body).toContain('Application ID must be an identifier of the form XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX.');
    expect(badFormat.body).not.toContain(backendless.restApiKey);

    const wrongTypes = await t.server.app.inject({ method: 'POST', url: path, payload: { app_id: 123, rest_api_key: ['a'] } });
    expect(wrongTypes.statusCode).toBe(422);
    expect(wrongTypes.body).toContain('Application ID must be text, not number.');
    expect(wrongTypes.body).toContain('REST API key must be text, not a list.');

    const unknownField = await postForm(path, { app_id: backendless.appId, rest_api_key: backendless.restApiKey, password: 'x' });
    expect(unknownField.statusCode).toBe(422);
    expect(unknownField.body).toContain('Unknown field');

    expect(await account(created.connected_account_id)).toMatchObject({ status: 'INITIATED', credential_hints: {} });
    const used = await t.server.database.db.execute(sql`select count(*)::int as n from connect_links where completed_at is not null`);
    expect((used as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
  });

  it('activates the account on a valid submission, sends the person back, and the account runs tools', async () => {
    const created = await link({ callback_url: 'https://app.example/done?from=sb' });
    const path = pathOf(created.redirect_url);
    const done = await postForm(path, { app_id: backendless.appId, rest_api_key: backendless.restApiKey, console_auth_key: '' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.body).toContain('Backendless is connected');
    const returnTo = `https://app.example/done?from=sb&amp;status=success&amp;connected_account_id=${created.connected_account_id}`;
    expect(done.body).toContain(`content="2;url=${returnTo}"`);
    expect(done.body).not.toContain(backendless.restApiKey);

    const connected = await account(created.connected_account_id);
    expect(connected).toMatchObject({ status: 'ACTIVE', is_default: true, credential_hints: { app_id: backendless.appId, rest_api_key: '••••0002' } });
    expect(connected.credential_hints).not.toHaveProperty('console_auth_key');

    const executed = await api('POST', '/v1/tools/BACKENDLESS_DIRECTORY_LISTING/execute', { user_id: 'ada', arguments: { path: '/' } });
    expect(executed.json(), executed.body).toMatchObject({ successful: true });
    expect(backendless.requests.at(-1)!.path).toContain(`/${backendless.appId}/${backendless.restApiKey}/files/`);

    const again = await postForm(path, { app_id: backendless.appId, rest_api_key: backendless.restApiKey });
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('This link was already used');
    const reopened = await t.server.app.inject({ method: 'GET', url: path });
    expect(reopened.statusCode).toBe(410);
  });

  it('lets exactly one of two simultaneous submissions win', async () => {
    const created = await link({ user_id: 'racer' });
    const path = pathOf(created.redirect_url);
    const results = await Promise.all([1, 2, 3].map(() => postForm(path, { app_id: backendless.appId, rest_api_key: backendless.restApiKey })));
    expect(results.map((result) => result.statusCode).sort()).toEqual([200, 410, 410]);
  });

  it('refuses expired, forged and malformed links with a page that says what to do', async () => {
    const created = await link({ user_id: 'late', expires_in: 60 });
    await t.server.database.db.execute(sql`update connect_links set expires_at = now() - interval '1 second'`);
    const path = pathOf(created.redirect_url);
    const expired = await t.server.app.inject({ method: 'GET', url: path });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('This link has expired');
    expect(expired.body).toContain('Ask the app that sent it for a new one');
    const late = await postForm(path, { app_id: backendless.appId, rest_api_key: backendless.restApiKey });
    expect(late.statusCode).toBe(410);
    expect((await account(created.connected_account_id)).status).toBe('INITIATED');

    const swept = await t.server.connectLinks.sweep();
    expect(swept.expiredAccounts).toBeGreaterThanOrEqual(1);
    expect(await account(created.connected_account_id)).toMatchObject({
      status: 'EXPIRED',
      status_reason: 'the connect link expired before the user finished',
    });

    const forged = await t.server.app.inject({ method: 'GET', url: `/connect/lt_${'A'.repeat(32)}` });
    expect(forged.statusCode).toBe(404);
    expect(forged.body).toContain('This link is not valid');
    for (const url of ['/connect/not-a-token', `/connect/lt_${'x'.repeat(120)}`, '/connect/lt_%00%3Cscript%3E']) {
      const response = await t.server.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).not.toContain('<script>');
    }
    const forgedPost = await postForm(`/connect/lt_${'B'.repeat(32)}`, { app_id: backendless.appId });
    expect(forgedPost.statusCode).toBe(404);
  });

  it('reconnects an existing account in place: same id, new credentials', async () => {
    const first = await link({ user_id: 'grace' });
    await postForm(pathOf(first.redirect_url), { app_id: backendless.appId, rest_api_key: 'D4E5F6A7-3333-4333-B333-000000000004' });
    expect((await account(first.connected_account_id)).credential_hints.rest_api_key).toBe('••••0004');
    const again = await api('POST', '/v1/connect-links', { user_id: 'grace', toolkit: 'backendless', connected_account_id: first.connected_account_id });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().connected_account_id).toBe(first.connected_account_id);
    const page = await t.server.app.inject({ method: 'GET', url: pathOf(again.json().redirect_url) });
    expect(page.body).toContain('Reconnect Backendless');
    // Until the person finishes, the working account keeps working.
    expect((await account(first.connected_account_id)).status).toBe('ACTIVE');
    await postForm(pathOf(again.json().redirect_url), { app_id: backendless.appId, rest_api_key: backendless.restApiKey });
    expect(await account(first.connected_account_id)).toMatchObject({ status: 'ACTIVE', credential_hints: { rest_api_key: '••••0002' } });
    const listed = (await api('GET', '/v1/connected-accounts?user_id=grace')).json();
    expect(listed.items).toHaveLength(1);
  });

  it('asks for the scheme requested: a Bitbucket access token instead of email and API token', async () => {
    const created = await api('POST', '/v1/connect-links', { user_id: 'ada', toolkit: 'bitbucket', auth_scheme: 'bearer' });
    expect(created.json()).toMatchObject({ auth_scheme: 'bearer' });
    const page = await t.server.app.inject({ method: 'GET', url: pathOf(created.json().redirect_url) });
    expect(page.body).toContain('Access token');
    expect(page.body).not.toContain('Atlassian account email');
    const basic = await t.server.app.inject({ method: 'GET', url: pathOf((await link({ toolkit: 'bitbucket', base_url: undefined })).redirect_url) });
    expect(basic.body).toContain('Atlassian account email');
    expect(basic.body).toContain('type="email"');
  });

  it('refuses link requests that cannot work, creating nothing', async () => {
    const before = (await api('GET', '/v1/connected-accounts?limit=200')).json().items.length;
    const cases: [Json, number, string][] = [
      [{ user_id: 'ada', toolkit: 'nope' }, 404, 'TOOLKIT_NOT_FOUND'],
      [{ toolkit: 'backendless' }, 400, 'VALIDATION_FAILED'],
      [{ user_id: 'ada', toolkit: 'backendless', callback_url: 'javascript:alert(1)' }, 400, 'VALIDATION_FAILED'],
      [{ user_id: 'ada', toolkit: 'backendless', expires_in: 5 }, 400, 'VALIDATION_FAILED'],
      [{ user_id: 'ada', toolkit: 'backendless', connected_account_id: 'ca_missing' }, 404, 'NOT_FOUND'],
      [{ user_id: 'ada', toolkit: 'backendless', auth_config_id: 'ac_missing' }, 404, 'NOT_FOUND'],
      [{ user_id: 'ada', toolkit: 'backendless', surprise: true }, 400, 'VALIDATION_FAILED'],
      [{ user_id: 'ada', toolkit: 'backendless', auth_scheme: 'basic' }, 400, 'VALIDATION_FAILED'],
      [{ user_id: 'ada', toolkit: 'bitbucket', auth_scheme: 'oauth2' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const response = await api('POST', '/v1/connect-links', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().error.code).toBe(code);
    }
    const oauthOnly = await api('POST', '/v1/toolkits', {
      slug: 'oauthonly',
      name: 'OAuth only',
      version: '1.0.0',
      description: 'A toolkit that connects only through OAuth 2.',
      base_url: 'https://api.example.com',
      auth: [{ type: 'oauth2', authorization_url: 'https://example.com/authorize', token_url: 'https://example.com/token' }],
      tools: [
        {
          slug: 'OAUTHONLY_PING',
          name: 'Ping',
          description: 'Pings the API.',
          input_schema: { type: 'object', properties: {} },
          request: { method: 'GET', path: '/ping' },
        },
      ],
    });
    expect(oauthOnly.statusCode, oauthOnly.body).toBe(200);
    const needsConfig = await api('POST', '/v1/connect-links', { user_id: 'ada', toolkit: 'oauthonly' });
    expect(needsConfig.statusCode).toBe(400);
    expect(needsConfig.json().error.message).toContain('POST /v1/auth-configs');
    expect((await api('GET', '/v1/connected-accounts?limit=200')).json().items.length).toBe(before);
  });
});
