import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliHome, CodexAppServer, cliEnv, createCliHome, describeRun, killAllClis, npmBin, runCli } from '../helpers/cli-client.js';
import { freePort } from '../helpers/process.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by another program, checked field by field
type Json = Record<string, any>;

// The real Codex CLI (@openai/codex, a devDependency: a Node launcher and the native linux-x64
// binary from its optional package), with HOME and CODEX_HOME in a throwaway directory.
const codex = npmBin('codex');
if (!codex) console.warn('@openai/codex is not installed: the Codex CLI tests are skipped.');

const metaTools = ['get_tool_schemas', 'manage_connections', 'multi_execute_tool', 'search_tools', 'wait_for_connections'];
const slow = 60_000;

/**
 * Overrides for `codex app-server` that keep it on this machine: no update check, no analytics, no
 * plugin or connector sync (those resolve github.com at start-up), and a model provider on a
 * loopback port nothing listens on (a thread prewarms its model connection).
 */
function offlineOverrides(modelPort: number): string[] {
  return [
    'check_for_update_on_startup=false',
    'analytics.enabled=false',
    'features.plugins=false',
    'features.remote_plugin=false',
    'features.apps=false',
    'model="scripted-test-model"',
    'model_provider="loopback"',
    `model_providers.loopback={ name = "loopback", base_url = "http://127.0.0.1:${modelPort}/v1", wire_api = "responses", supports_websockets = false }`,
  ].flatMap((override) => ['-c', override]);
}

describe.skipIf(!testDatabaseAvailable() || !codex)(`Codex CLI (${testDatabaseKind()} database)`, () => {
  let t: TestServer;
  let baseUrl: string;
  let session: Json;
  let userKey: string;
  let sandbox: CliHome;
  let codexHome: string;

  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const response = await t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json();
  };

  const env = (apiKey: string, extra: Record<string, string> = {}) => cliEnv(sandbox.home, { CODEX_HOME: codexHome, SWITCHBOARD_API_KEY: apiKey, ...extra });

  const run = async (args: string[], apiKey: string) => {
    const result = await runCli(codex!, args, { env: env(apiKey), cwd: sandbox.home });
    expect(result.code, describeRun(result)).toBe(0);
    return result;
  };

  /** `codex mcp list --json`: the configured servers. */
  const listed = async (apiKey: string): Promise<Json[]> => JSON.parse((await run(['mcp', 'list', '--json'], apiKey)).stdout);

  /** What `codex app-server` reports for its MCP servers after connecting to each (initialize, tools/list). */
  async function withAppServer<T>(apiKey: string, use: (appServer: CodexAppServer) => Promise<T>, extraEnv: Record<string, string> = {}): Promise<T> {
    const appServer = new CodexAppServer(codex!, offlineOverrides(await freePort()), { env: env(apiKey, extraEnv), cwd: sandbox.home });
    try {
      await appServer.initialize();
      return await use(appServer);
    } finally {
      await appServer.close();
    }
  }

  const serverStatuses = async (appServer: CodexAppServer): Promise<Json[]> => {
    const response = await appServer.request('mcpServerStatus/list', {});
    expect(response.result, `${JSON.stringify(response)}\nstderr:\n${appServer.stderr()}`).toBeDefined();
    return response.result.data;
  };

  beforeAll(async () => {
    t = await startTestServer();
    baseUrl = await t.server.listen();
    session = await api('POST', '/v1/sessions', { user_id: 'codex-session-user' });
    userKey = (await api('POST', '/v1/api-keys', { name: 'codex', scopes: ['tools:execute'], user_id: 'codex-user' })).key;
  });
  afterAll(async () => t?.close());

  beforeEach(() => {
    sandbox = createCliHome('codex');
    codexHome = join(sandbox.home, '.codex');
    mkdirSync(codexHome);
  });
  afterEach(() => {
    killAllClis();
    sandbox?.remove();
  });

  it(
    'codex mcp add --url --bearer-token-env-var, then mcp list and get show the session URL enabled, and the app server connects with the key from the env var',
    async () => {
      const url: string = session.mcp.url;
      const key: string = session.mcp.headers['x-api-key'];
      const added = await run(['mcp', 'add', 'switchboard', '--url', url, '--bearer-token-env-var', 'SWITCHBOARD_API_KEY'], key);
      expect(added.stdout, describeRun(added)).toContain("Added global MCP server 'switchboard'");
      const config = readFileSync(join(codexHome, 'config.toml'), 'utf8');
      expect(config).toContain('[mcp_servers.switchboard]');
      expect(config).toContain(`url = "${url}"`);
      expect(config).toContain('bearer_token_env_var = "SWITCHBOARD_API_KEY"');
      expect(config, 'the key itself is never written').not.toContain(key);

      const table = await run(['mcp', 'list'], key);
      const row = table.stdout.split('\n').find((line) => line.startsWith('switchboard '));
      expect(row, describeRun(table)).toBeDefined();
      expect(row).toContain(url);
      expect(row).toContain('SWITCHBOARD_API_KEY');
      expect(row).toMatch(/\benabled\b/);

      expect(await listed(key)).toEqual([
        expect.objectContaining({
          name: 'switchboard',
          enabled: true,
          transport: expect.objectContaining({ type: 'streamable_http', url, bearer_token_env_var: 'SWITCHBOARD_API_KEY' }),
          auth_status: 'bearer_token',
        }),
      ]);
      const got = JSON.parse((await run(['mcp', 'get', 'switchboard', '--json'], key)).stdout);
      expect(got).toMatchObject({ name: 'switchboard', enabled: true, transport: { type: 'streamable_http', url } });

      // `codex mcp list/get` only read the config; the app server really connects.
      const [status] = await withAppServer(key, serverStatuses);
      expect(status, JSON.stringify(status)).toMatchObject({
        name: 'switchboard',
        authStatus: 'bearerToken',
        toolsError: null,
        serverInfo: { name: 'switchboard' },
      });
      expect(Object.keys(status!.tools).sort()).toEqual(metaTools);
      expect(status!.httpOrigin).toBe(baseUrl);
    },
    slow,
  );

  it(
    'the config.toml form (url and bearer_token_env_var) for a session URL is listed enabled, and a wrong key in the env var is refused',
    async () => {
      const url: string = session.mcp.url;
      writeFileSync(join(codexHome, 'config.toml'), `[mcp_servers.switchboard]\nurl = "${url}"\nbearer_token_env_var = "SWITCHBOARD_API_KEY"\n`);
      const key: string = session.mcp.headers['x-api-key'];
      expect(await listed(key)).toEqual([
        expect.objectContaining({
          name: 'switchboard',
          enabled: true,
          transport: expect.objectContaining({ url, bearer_token_env_var: 'SWITCHBOARD_API_KEY' }),
        }),
      ]);

      const wrongKey = `sk_${'0'.repeat(42)}`;
      const [refused] = await withAppServer(wrongKey, serverStatuses);
      expect(refused, JSON.stringify(refused)).toMatchObject({ name: 'switchboard', serverInfo: null, tools: {} });
      expect(refused!.toolsError).toContain('Auth required');
    },
    slow,
  );

  it(
    "the README's config.toml for the universal /mcp with a user-bound key: listed enabled, and a tool call through Codex acts for the key's user",
    async () => {
      const url = `${baseUrl}/mcp`;
      writeFileSync(join(codexHome, 'config.toml'), `[mcp_servers.switchboard]\nurl = "${url}"\nbearer_token_env_var = "SWITCHBOARD_API_KEY"\n`);
      const table = await run(['mcp', 'list'], userKey);
      expect(table.stdout, describeRun(table)).toMatch(new RegExp(`^switchboard +${url.replace(/[.]/g, '\\.')} +SWITCHBOARD_API_KEY +enabled`, 'm'));
      expect(await listed(userKey)).toEqual([expect.objectContaining({ name: 'switchboard', enabled: true, transport: expect.objectContaining({ url }) })]);

      await withAppServer(userKey, async (appServer) => {
        const [status] = await serverStatuses(appServer);
        expect(status, JSON.stringify(status)).toMatchObject({ name: 'switchboard', toolsError: null, serverInfo: { name: 'switchboard' } });
        expect(Object.keys(status!.tools).sort()).toEqual(metaTools);

        // A thread (no model turn) lets the app server call a tool on its MCP connection.
        const thread = await appServer.request('thread/start', { ephemeral: true, cwd: sandbox.home });
        const threadId = thread.result?.thread?.id;
        expect(threadId, `${JSON.stringify(thread)}\nstderr:\n${appServer.stderr()}`).toBeTypeOf('string');
        const called = await appServer.request(
          'mcpServer/tool/call',
          { server: 'switchboard', threadId, tool: 'manage_connections', arguments: { toolkits: ['backendless'] } },
          45_000,
        );
        expect(called.result, `${JSON.stringify(called)}\nstderr:\n${appServer.stderr()}`).toBeDefined();
        expect(called.result.isError).toBeFalsy();
        const data = JSON.parse(called.result.content[0].text);
        const accountId = data.results.backendless.connected_account_id;
        expect((await api('GET', `/v1/connected-accounts/${accountId}`)).user_id).toBe('codex-user');
      });
    },
    slow,
  );
});
