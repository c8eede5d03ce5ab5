import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendlessEmulator, startBackendlessEmulator } from '../emulators/backendless/index.js';
import { browserTestsEnabled, launchBrowser } from '../helpers/browser.js';
import { lastJsonLine, runClientProgram } from '../helpers/client-program.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

export interface ComposioSdkSuite {
  /** Runs one step of the SDK flow script; it must exit 0. Returns its JSON line. */
  // biome-ignore lint/suspicious/noExplicitAny: JSON printed by the client script, checked field by field
  sdk(...args: string[]): Promise<any>;
  /** COMPOSIO_BASE_URL and COMPOSIO_API_KEY for another program of the same SDK. */
  env(): Record<string, string>;
}

/**
 * The flow every official Composio SDK must get through against Switchboard, pointed at it by
 * COMPOSIO_BASE_URL and COMPOSIO_API_KEY alone: a session, its MCP URL, an authorization whose link
 * opens the connect page in a browser, a tool run once the account is connected, the user's
 * connected accounts, and the SDK's own errors for bad input. `more` adds an SDK's own tests.
 */
export function describeComposioSdk(
  options: {
    title: string;
    user: string;
    /** The interpreter (venv Python, Node 22); null skips the suite. */
    executable: string | null;
    script: string;
    /** What the SDK raises for a malformed session config (an API error, or its own validation). */
    malformedConfigError: string;
  },
  more?: (suite: ComposioSdkSuite) => void,
): void {
  const { user } = options;
  describe.skipIf(!testDatabaseAvailable() || !options.executable || !browserTestsEnabled)(options.title, () => {
    let t: TestServer;
    let url: string;
    let backendless: BackendlessEmulator;
    let browser: Browser;
    let authConfig: string;

    const api = (method: 'GET' | 'POST', path: string, payload?: object) =>
      t.server.app.inject({ method, url: path, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });
    const suite: ComposioSdkSuite = {
      env: () => ({ COMPOSIO_BASE_URL: url, COMPOSIO_API_KEY: t.adminKey }),
      async sdk(...args) {
        const run = await runClientProgram(options.executable!, [options.script, ...args], suite.env());
        expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
        return lastJsonLine(run);
      },
    };

    beforeAll(async () => {
      [backendless, browser] = await Promise.all([startBackendlessEmulator(), launchBrowser()]);
      t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' } });
      url = await t.server.listen();
      // Accounts connected through this config call the emulator (a self-hosted Backendless, as far as Switchboard knows).
      const config = await api('POST', '/v1/auth-configs', { toolkit: 'backendless', base_url: `${backendless.url}/{app_id}/{rest_api_key}` });
      expect(config.statusCode, config.body).toBe(201);
      authConfig = config.json().id;
    });
    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await backendless?.close();
    });

    it('creates a session, authorizes Backendless on the connect page, executes a tool and lists the account', async () => {
      const created = await suite.sdk('create', user, authConfig);
      expect(created.session_id).toMatch(/^trs_/);
      expect(created.mcp_url).toBe(`${url}/mcp/${created.session_id}`);
      expect(created.mcp_headers).toEqual({ 'x-api-key': t.adminKey });
      expect(created.status).toBe('INITIATED');
      expect(created.redirect_url).toMatch(new RegExp(`^${url}/connect/lt_`));

      const page = await browser.newPage();
      await page.goto(created.redirect_url);
      await expect.poll(() => page.title()).toContain('Connect Backendless');
      await page.getByLabel('Application ID').fill(backendless.appId);
      await page.getByLabel('REST API key').fill(backendless.restApiKey);
      await page.getByRole('button', { name: 'Connect' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('Backendless is connected');
      await page.close();

      backendless.state.putFile('reports/q1.pdf', 'pdf');
      const executed = await suite.sdk('execute', user, created.session_id);
      expect(executed.result.error).toBeNull();
      expect(JSON.stringify(executed.result.data)).toContain('reports');
      expect(executed.toolkits).toEqual([{ slug: 'backendless', active: true }]);
      expect(executed.accounts).toEqual([{ id: created.connected_account_id, status: 'ACTIVE', toolkit: 'backendless' }]);
    }, 120_000);

    it("raises the SDK's own error types with messages that say what to fix, and creates nothing half-way", async () => {
      const session = (await api('POST', '/api/v3.1/tool_router/session', { user_id: user, toolkits: { enable: ['backendless'] } })).json();
      const other = (await api('POST', '/v1/api-keys', { name: 'someone else', scopes: ['tools:execute'], user_id: 'someone-else' })).json().key;
      const before = (await api('GET', `/v1/sessions?user_id=${user}`)).json().items.length;
      const { errors } = await suite.sdk('errors', user, session.session_id, other);
      const byCase = Object.fromEntries((errors as { case: string; type: string; message: string }[]).map((error) => [error.case, error]));
      expect(byCase['wrong key']).toMatchObject({ type: 'AuthenticationError' });
      expect(byCase['wrong key']!.message).toContain('API key');
      expect(byCase['unknown toolkit']).toMatchObject({ type: 'NotFoundError' });
      expect(byCase['unknown toolkit']!.message).toContain('no_such_app');
      expect(byCase['unknown tool']).toMatchObject({ type: 'NotFoundError' });
      expect(byCase['unknown tool']!.message).toContain('BACKENDLESS_NO_SUCH_TOOL');
      expect(byCase["another user's session"]).toMatchObject({ type: 'NotFoundError' });
      expect(byCase["another user's session"]!.message).toContain(session.session_id);
      expect(byCase['malformed config']).toMatchObject({ type: options.malformedConfigError });
      expect(byCase['malformed config']!.message).toContain('tools');
      expect((await api('GET', `/v1/sessions?user_id=${user}`)).json().items.length).toBe(before);
    }, 120_000);

    more?.(suite);
  });
}
