import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { tables } from '../../src/db/index.js';
import { type BitbucketEmulator, DEFAULT_ACCOUNT, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { oauthConfigBody, signInWithProvider } from '../helpers/connect-flow.js';
import { startOAuthProvider, type TestOAuthProvider } from '../helpers/oauth-provider.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = Record<string, any>;
const connectedAccountsTable = tables.connectedAccounts;

/**
 * OAuth 2 for the Bitbucket toolkit against a real authorization server (oauth2-mock-server, made
 * strict by test/helpers/oauth-provider.ts) and the Bitbucket emulator as the resource server: every
 * access token the provider issues is accepted by the emulator for dev@example.com.
 */
describe.skipIf(!testDatabaseAvailable())('OAuth 2 connections', () => {
  let t: TestServer;
  let provider: TestOAuthProvider;
  let bitbucket: BitbucketEmulator;
  let authConfigId: string;

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });
  const account = async (id: string) => (await api('GET', `/v1/connected-accounts/${id}`)).json() as Json;
  const whoAmI = async (user: string, extra: Json = {}) =>
    api('POST', '/v1/tools/BITBUCKET_GET_CURRENT_USER/execute', { user_id: user, arguments: {}, ...extra });

  async function link(user: string, body: Json = {}): Promise<Json> {
    const response = await api('POST', '/v1/connect-links', {
      user_id: user,
      toolkit: 'bitbucket',
      auth_config_id: authConfigId,
      base_url: bitbucket.baseUrl,
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  const signIn = (redirectUrl: string, tamper?: Parameters<typeof signInWithProvider>[2]) => signInWithProvider(t.server.app, redirectUrl, tamper);

  beforeAll(async () => {
    provider = await startOAuthProvider();
    bitbucket = await startBitbucketEmulator();
    provider.onAccessToken((token) => bitbucket.state.addAccessToken(token, DEFAULT_ACCOUNT.email));
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' } });
    const config = await api('POST', '/v1/auth-configs', oauthConfigBody(provider));
    expect(config.statusCode, config.body).toBe(201);
    expect(config.json().redirect_uri).toBe(`${t.config.publicUrl}/connect/oauth/callback`);
    authConfigId = config.json().id;
  });
  afterAll(async () => {
    await t?.close();
    await bitbucket?.close();
    await provider?.close();
  });
  beforeEach(() => {
    provider.tokenRequests.length = 0;
  });

  it('runs the authorization-code flow with PKCE and a signed state, then executes Bitbucket tools with the token', async () => {
    const created = await link('octo', { callback_url: 'https://app.example/back' });
    expect(created.auth_scheme).toBe('oauth2');
    const page = await t.server.app.inject({ method: 'GET', url: new URL(created.redirect_url).pathname });
    expect(page.body).toContain('Continue to Bitbucket');

    const { start, authorize, callback } = await signIn(created.redirect_url);
    expect(String(start.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Lax; Max-Age=600/);
    expect(authorize.origin).toBe(provider.url);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: `${t.config.publicUrl}/connect/oauth/callback`,
      code_challenge_method: 'S256',
      scope: expect.stringContaining('pullrequest:write'),
    });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')!.split('.')).toHaveLength(3);
    expect(authorize.href).not.toContain(created.link_token);

    expect(callback.statusCode, callback.body).toBe(200);
    expect(callback.body).toContain('Bitbucket is connected');
    expect(callback.body).toContain(`status=success&amp;connected_account_id=${created.connected_account_id}`);
    expect(String(callback.headers['set-cookie'])).toContain('Max-Age=0');
    expect(provider.tokenRequests).toEqual(['authorization_code']);

    const connected = await account(created.connected_account_id);
    expect(connected).toMatchObject({ status: 'ACTIVE', auth_scheme: 'oauth2', auth_config_id: authConfigId, is_default: true });
    expect(Date.parse(connected.token_expires_at) - Date.now()).toBeGreaterThan(3000_000);
    expect(JSON.stringify(connected)).not.toContain(provider.issuedAccessTokens.at(-1)!);

    const result = await whoAmI('octo');
    expect(result.json(), result.body).toMatchObject({ successful: true, data: { display_name: 'Dev Example' } });
    expect(bitbucket.requests.at(-1)!.headers.authorization).toBe('Bearer');
  });

  it('refreshes a token about to expire before the call, rotating the refresh token', async () => {
    const created = await link('refresher');
    provider.nextTokenLifetime(30);
    expect((await signIn(created.redirect_url)).callback.statusCode).toBe(200);
    const firstRefreshToken = provider.issuedRefreshTokens.at(-1)!;
    provider.tokenRequests.length = 0;

    const [first, second] = await Promise.all([whoAmI('refresher'), whoAmI('refresher')]);
    expect(first.json(), first.body).toMatchObject({ successful: true });
    expect(second.json()).toMatchObject({ successful: true });
    expect(provider.tokenRequests).toEqual(['refresh_token']);
    expect(provider.issuedRefreshTokens.at(-1)).not.toBe(firstRefreshToken);
    expect(Date.parse((await account(created.connected_account_id)).token_expires_at) - Date.now()).toBeGreaterThan(3000_000);

    // The rotated-out refresh token no longer works at the provider: Switchboard kept the new one.
    provider.tokenRequests.length = 0;
    const refreshed = await api('POST', `/v1/connected-accounts/${created.connected_account_id}/refresh`);
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(provider.tokenRequests).toEqual(['refresh_token']);
  });

  it("settles a refresh raced by another instance: the loser of the rotated refresh token uses the winner's tokens", async () => {
    const created = await link('raced');
    expect((await signIn(created.redirect_url)).callback.statusCode).toBe(200);
    // Both "instances" read the account at the same version, with the same refresh token.
    const [stale] = await t.server.database.db.select().from(connectedAccountsTable).where(eq(connectedAccountsTable.id, created.connected_account_id));
    provider.tokenRequests.length = 0;
    const winner = await t.server.credentials.refresh(stale!);
    const loser = await t.server.credentials.refresh(stale!);
    expect(provider.tokenRequests).toEqual(['refresh_token', 'refresh_token', 'refused']);
    expect(loser.credentialsVersion).toBe(winner.credentialsVersion);
    expect(loser.credentials).toBe(winner.credentials);
    expect((await account(created.connected_account_id)).status).toBe('ACTIVE');
    expect((await whoAmI('raced')).json()).toMatchObject({ successful: true });
  });

  it('refreshes once and retries when the provider rejects a token before its expiry', async () => {
    const created = await link('rejected');
    expect((await signIn(created.redirect_url)).callback.statusCode).toBe(200);
    bitbucket.state.revokeAccessToken(provider.issuedAccessTokens.at(-1)!);
    provider.tokenRequests.length = 0;
    const before = bitbucket.requests.length;
    const result = await whoAmI('rejected');
    expect(result.json(), result.body).toMatchObject({ successful: true });
    expect(provider.tokenRequests).toEqual(['refresh_token']);
    expect(bitbucket.requests.length - before).toBe(2);
    expect((await account(created.connected_account_id)).status).toBe('ACTIVE');
  });

  it('marks the account EXPIRED with a reconnect instruction when the grant was revoked, and reconnects it in place', async () => {
    const created = await link('revoked');
    expect((await signIn(created.redirect_url)).callback.statusCode).toBe(200);
    bitbucket.state.revokeAccessToken(provider.issuedAccessTokens.at(-1)!);
    provider.revokeGrants();

    const result = await whoAmI('revoked');
    expect(result.statusCode).toBe(409);
    const error = result.json().error;
    expect(error.code).toBe('NOT_CONNECTED');
    expect(error.message).toContain('EXPIRED');
    expect(error.message).toContain('invalid_grant');
    expect(error.message).toContain('POST /v1/connect-links');
    expect(error.details).toMatchObject({
      status: 'EXPIRED',
      connected_account_id: created.connected_account_id,
      connect: {
        method: 'POST',
        path: '/v1/connect-links',
        body: { user_id: 'revoked', toolkit: 'bitbucket', connected_account_id: created.connected_account_id },
      },
    });
    expect(await account(created.connected_account_id)).toMatchObject({ status: 'EXPIRED', status_reason: expect.stringContaining('invalid_grant') });
    // Later calls fail fast, without asking the provider again.
    provider.tokenRequests.length = 0;
    expect((await whoAmI('revoked')).json().error.code).toBe('NOT_CONNECTED');
    expect(provider.tokenRequests).toEqual([]);

    const again = await api('POST', '/v1/connect-links', { user_id: 'revoked', toolkit: 'bitbucket', connected_account_id: created.connected_account_id });
    const page = await t.server.app.inject({ method: 'GET', url: new URL(again.json().redirect_url).pathname });
    expect(page.body).toContain('Reconnect Bitbucket');
    expect(page.body).toContain('The previous connection stopped working');
    expect((await signIn(again.json().redirect_url)).callback.statusCode).toBe(200);
    expect((await account(created.connected_account_id)).status).toBe('ACTIVE');
    expect((await whoAmI('revoked')).json()).toMatchObject({ successful: true });
  });

  it('refuses forged, tampered, replayed and cross-browser callbacks, and shows a provider refusal to the person', async () => {
    const created = await link('mallory');
    const flipped = await signIn(created.redirect_url, { state: (state) => `${state.slice(0, -2)}xx` });
    expect(flipped.callback.statusCode).toBe(400);
    expect(flipped.callback.body).toContain('signature does not verify');

    const garbage = await t.server.app.inject({ method: 'GET', url: '/connect/oauth/callback?code=abc&state=not-a-jwt' });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.body).toContain('state parameter is malformed');
    const none = await t.server.app.inject({ method: 'GET', url: '/connect/oauth/callback?code=abc' });
    expect(none.statusCode).toBe(400);

    const otherBrowser = await signIn(created.redirect_url, { dropCookie: true });
    expect(otherBrowser.callback.statusCode).toBe(400);
    expect(otherBrowser.callback.body).toContain('started in another browser');

    const good = await signIn(created.redirect_url);
    expect(good.callback.statusCode).toBe(200);
    const replay = await t.server.app.inject({ method: 'GET', url: `${good.back.pathname}${good.back.search}`, headers: { cookie: good.cookie } });
    expect(replay.statusCode).toBe(410);
    expect(replay.body).toContain('already used');

    // A state minted for one link cannot finish another link.
    const victim = await link('victim');
    const attacker = await link('attacker');
    const attackerStart = await t.server.app.inject({ method: 'GET', url: `${new URL(attacker.redirect_url).pathname}/authorize` });
    const victimStart = await t.server.app.inject({ method: 'GET', url: `${new URL(victim.redirect_url).pathname}/authorize` });
    const atProvider = await fetch(String(attackerStart.headers.location), { redirect: 'manual' });
    const back = new URL(atProvider.headers.get('location')!);
    const crossed = await t.server.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie: String(victimStart.headers['set-cookie']).split(';')[0]! },
    });
    expect(crossed.statusCode).toBe(400);
    expect((await account(victim.connected_account_id)).status).toBe('INITIATED');

    const declined = await link('declines');
    provider.denyNextAuthorization();
    const denied = await signIn(declined.redirect_url);
    expect(denied.callback.statusCode).toBe(502);
    expect(denied.callback.body).toContain('access_denied');
    expect(denied.callback.body).toContain('The user denied access.');
    expect(denied.callback.body).toContain(`href="/connect/${declined.link_token}"`);
    expect(await account(declined.connected_account_id)).toMatchObject({ status: 'FAILED', status_reason: expect.stringContaining('access_denied') });
    const retried = await signIn(declined.redirect_url);
    expect(retried.callback.statusCode).toBe(200);
    expect((await account(declined.connected_account_id)).status).toBe('ACTIVE');
  });

  it('reports a token endpoint that refuses the client, leaving the link usable', async () => {
    const wrongSecret = await api('POST', '/v1/auth-configs', oauthConfigBody(provider, { client_secret: 'not-the-secret-000' }));
    const created = await link('misconfigured', { auth_config_id: wrongSecret.json().id });
    const attempt = await signIn(created.redirect_url);
    expect(attempt.callback.statusCode).toBe(502);
    expect(attempt.callback.body).toContain('invalid_client');
    expect((await account(created.connected_account_id)).status).toBe('FAILED');
    expect((await t.server.app.inject({ method: 'GET', url: new URL(created.redirect_url).pathname })).statusCode).toBe(200);
  });

  it('revokes the tokens at the provider when the account is deleted', async () => {
    const created = await link('leaver');
    expect((await signIn(created.redirect_url)).callback.statusCode).toBe(200);
    const refreshToken = provider.issuedRefreshTokens.at(-1)!;
    const accessToken = provider.issuedAccessTokens.at(-1)!;
    const deleted = await api('DELETE', `/v1/connected-accounts/${created.connected_account_id}`);
    expect(deleted.statusCode).toBe(204);
    await vi.waitFor(() =>
      expect(provider.revoked).toEqual(
        expect.arrayContaining([
          { token: refreshToken, hint: 'refresh_token' },
          { token: accessToken, hint: 'access_token' },
        ]),
      ),
    );
    expect((await api('GET', `/v1/connected-accounts/${created.connected_account_id}`)).statusCode).toBe(404);
  });

  it('connects a service account with the client-credentials grant and renews its token when it runs out', async () => {
    const config = await api('POST', '/v1/auth-configs', {
      toolkit: 'bitbucket',
      scheme: 'oauth2_client_credentials',
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
      token_url: provider.tokenUrl,
    });
    expect(config.statusCode, config.body).toBe(201);
    expect(config.json().redirect_uri).toBeNull();
    const viaLink = await api('POST', '/v1/connect-links', { user_id: 'robot', toolkit: 'bitbucket', auth_config_id: config.json().id });
    expect(viaLink.statusCode).toBe(400);
    expect(viaLink.json().error.message).toContain('POST /v1/connected-accounts');

    provider.nextTokenLifetime(5);
    const created = await api('POST', '/v1/connected-accounts', {
      user_id: 'robot',
      toolkit: 'bitbucket',
      auth_config_id: config.json().id,
      base_url: bitbucket.baseUrl,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ status: 'ACTIVE', auth_scheme: 'oauth2', credential_hints: { access_token: expect.stringMatching(/^••••/) } });
    expect(provider.tokenRequests).toEqual(['client_credentials']);
    const result = await whoAmI('robot');
    expect(result.json(), result.body).toMatchObject({ successful: true });
    expect(provider.tokenRequests).toEqual(['client_credentials', 'client_credentials']);

    // The client-credentials config does not capture links made for people.
    const personLink = await api('POST', '/v1/connect-links', { user_id: 'person', toolkit: 'bitbucket' });
    expect(personLink.json()).toMatchObject({ auth_scheme: 'oauth2', auth_config_id: expect.not.stringMatching(config.json().id) });

    const refused = await api('POST', '/v1/connected-accounts', { user_id: 'robot', toolkit: 'bitbucket', auth_config_id: authConfigId });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toContain('connect link');
  });

  it('stores tokens only sealed: no access or refresh token appears in any row', async () => {
    const tables = ['connected_accounts', 'connect_links', 'auth_configs', 'execution_logs'];
    let dump = '';
    for (const table of tables) dump += JSON.stringify(await t.server.database.db.execute(sql.raw(`select t::text from "${table}" t`)));
    expect(provider.issuedAccessTokens.length).toBeGreaterThan(5);
    for (const token of [...provider.issuedAccessTokens, ...provider.issuedRefreshTokens, provider.clientSecret]) expect(dump).not.toContain(token);
  });
});
