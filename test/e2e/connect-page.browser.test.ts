import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendlessEmulator, startBackendlessEmulator } from '../emulators/backendless/index.js';
import { type BitbucketEmulator, DEFAULT_ACCOUNT, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { browserTestsEnabled, launchBrowser, screenshot } from '../helpers/browser.js';
import { oauthConfigBody } from '../helpers/connect-flow.js';
import { startOAuthProvider, type TestOAuthProvider } from '../helpers/oauth-provider.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

/** The app that sent the person to the connect page: records where they come back. */
async function startCallbackApp(): Promise<{ url: string; arrivals: URL[]; close(): Promise<void> }> {
  const arrivals: URL[] = [];
  const server: Server = createServer((request, response) => {
    const arrival = new URL(request.url ?? '/', 'http://callback.test');
    // Browsers also ask for /favicon.ico; only the callback itself counts.
    if (arrival.pathname === '/connected') arrivals.push(arrival);
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Back in the app</title><h1>Back in the app</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/connected`,
    arrivals,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The hosted connect page in a real browser (Debian's Chromium driven by playwright-core); screenshots go to test-artifacts/screenshots/. */
describe.skipIf(!testDatabaseAvailable() || !browserTestsEnabled)('connect page in a browser', () => {
  let t: TestServer;
  let browser: Browser;
  let backendless: BackendlessEmulator;
  let bitbucket: BitbucketEmulator;
  let provider: TestOAuthProvider;
  let callbackApp: Awaited<ReturnType<typeof startCallbackApp>>;
  const kind = testDatabaseKind();

  const api = async (method: 'GET' | 'POST', path: string, payload?: object) =>
    t.server.app.inject({ method, url: path, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    [backendless, bitbucket, provider, callbackApp, browser] = await Promise.all([
      startBackendlessEmulator(),
      startBitbucketEmulator(),
      startOAuthProvider(),
      startCallbackApp(),
      launchBrowser(),
    ]);
    provider.onAccessToken((token) => bitbucket.state.addAccessToken(token, DEFAULT_ACCOUNT.email));
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' } });
    await t.server.listen();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([backendless?.close(), bitbucket?.close(), provider?.close(), callbackApp?.close()]);
  });

  it('connects Backendless with an app id and API key typed into the page, and the account becomes ACTIVE', async () => {
    const link = (
      await api('POST', '/v1/connect-links', {
        user_id: 'browser-user',
        toolkit: 'backendless',
        base_url: `${backendless.url}/{app_id}/{rest_api_key}`,
        callback_url: callbackApp.url,
      })
    ).json();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link.redirect_url);
    await expect.poll(() => page.title()).toContain('Connect Backendless');
    await screenshot(page, `${kind}-connect-form`);

    // A wrong value is explained next to its field, in the page.
    await page.getByLabel('Application ID').fill('not-an-app-id');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect
      .poll(() => page.locator('.field-error').allTextContents())
      .toEqual(['Application ID must be an identifier of the form XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX.', 'REST API key is required.']);
    await screenshot(page, `${kind}-connect-form-errors`);
    expect((await api('GET', `/v1/connected-accounts/${link.connected_account_id}`)).json().status).toBe('INITIATED');

    await page.getByLabel('Application ID').fill(backendless.appId);
    await page.getByLabel('REST API key').fill(backendless.restApiKey);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Backendless is connected');
    await screenshot(page, `${kind}-connect-success`);
    await page.waitForURL((url) => url.href.startsWith(callbackApp.url), { timeout: 10_000 });
    expect(Object.fromEntries(callbackApp.arrivals.at(-1)!.searchParams)).toEqual({ status: 'success', connected_account_id: link.connected_account_id });

    const connected = (await api('GET', `/v1/connected-accounts/${link.connected_account_id}`)).json();
    expect(connected).toMatchObject({ status: 'ACTIVE', credential_hints: { app_id: backendless.appId } });
    const listing = (await api('POST', '/v1/tools/BACKENDLESS_DIRECTORY_LISTING/execute', { user_id: 'browser-user', arguments: { path: '/' } })).json();
    expect(listing.successful, listing.error).toBe(true);

    // The link is spent: opening it again says so.
    await page.goto(link.redirect_url);
    await expect.poll(() => page.locator('h1').textContent()).toBe('This link was already used');
    await context.close();
  });

  it('connects Bitbucket through the OAuth redirect to the provider and back', async () => {
    const config = (await api('POST', '/v1/auth-configs', oauthConfigBody(provider))).json();
    const link = (
      await api('POST', '/v1/connect-links', {
        user_id: 'browser-user',
        toolkit: 'bitbucket',
        auth_config_id: config.id,
        base_url: bitbucket.baseUrl,
        callback_url: callbackApp.url,
      })
    ).json();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link.redirect_url);
    await screenshot(page, `${kind}-connect-oauth-start`);
    await page.getByRole('link', { name: 'Continue to Bitbucket' }).click();
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 10_000 }).toBe('Bitbucket is connected');
    await screenshot(page, `${kind}-connect-oauth-success`);
    await page.waitForURL((url) => url.href.startsWith(callbackApp.url), { timeout: 10_000 });
    expect(callbackApp.arrivals.at(-1)!.searchParams.get('connected_account_id')).toBe(link.connected_account_id);
    expect(provider.tokenRequests).toContain('authorization_code');

    expect((await api('GET', `/v1/connected-accounts/${link.connected_account_id}`)).json()).toMatchObject({ status: 'ACTIVE', auth_scheme: 'oauth2' });
    const me = (await api('POST', '/v1/tools/BITBUCKET_GET_CURRENT_USER/execute', { user_id: 'browser-user', arguments: {} })).json();
    expect(me).toMatchObject({ successful: true, data: { display_name: 'Dev Example' } });
    await context.close();
  });

  it('explains an expired link in the page', async () => {
    const link = (await api('POST', '/v1/connect-links', { user_id: 'late-user', toolkit: 'backendless', expires_in: 60 })).json();
    await t.server.database.db.execute(
      (await import('drizzle-orm'))
        .sql`update connect_links set expires_at = now() - interval '1 second' where connected_account_id = ${link.connected_account_id}`,
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(link.redirect_url);
    expect(response?.status()).toBe(410);
    await expect.poll(() => page.locator('h1').textContent()).toBe('This link has expired');
    await screenshot(page, `${kind}-connect-expired`);
    await context.close();
  });
});
