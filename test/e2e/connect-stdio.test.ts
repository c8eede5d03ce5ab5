import { spawn } from 'node:child_process';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioTransportV2 } from '@modelcontextprotocol/client/stdio';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BitbucketEmulator, DEFAULT_ACCOUNT, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { connectBitbucketOnPage } from '../helpers/connect-flow.js';
import { cliEntry, connectStdioClientV1, envRecord, type StdioClientV1 } from '../helpers/mcp-stdio.js';
import { childEnv, createSandbox, freePort, repoRoot, runSwitchboard, type Sandbox } from '../helpers/process.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: tool results are checked field by field
type Json = Record<string, any>;

const metaTools = ['search_tools', 'get_tool_schemas', 'manage_connections', 'wait_for_connections', 'multi_execute_tool'];
const stackTrace = /^\s+at /m;

/** The data a Switchboard tool result carries (its text content is the JSON of it). */
function dataOf(result: unknown): Json {
  const content = (result as { content: { type: string; text: string }[] }).content;
  return JSON.parse(content[0]!.text);
}

/**
 * `switchboard connect` as a desktop client runs it: a real process on stdio, bridged to an
 * in-process Switchboard on loopback, driven by the SDK clients' stdio transports.
 */
describe.skipIf(!testDatabaseAvailable())(`switchboard connect: stdio bridge (${testDatabaseKind()} database)`, () => {
  let t: TestServer;
  let bitbucket: BitbucketEmulator;
  let baseUrl: string;
  let sandbox: Sandbox;
  let env: NodeJS.ProcessEnv;
  const open: StdioClientV1[] = [];

  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, key = t.adminKey): Promise<Json> => {
    const response = await t.server.app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json();
  };

  async function bridge(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<StdioClientV1> {
    const connected = await connectStdioClientV1(process.execPath, [cliEntry, 'connect', ...args], { ...env, ...extraEnv });
    open.push(connected);
    return connected;
  }

  const call = async (client: StdioClientV1['client'], name: string, args: Json) => dataOf(await client.callTool({ name, arguments: args }));

  /** Runs the current-user tool through multi_execute_tool and returns that call's outcome. */
  async function currentUser(client: StdioClientV1['client']): Promise<Json> {
    const executed = await call(client, 'multi_execute_tool', { tools: [{ tool_slug: 'BITBUCKET_GET_CURRENT_USER', arguments: {} }] });
    return executed.results[0];
  }

  async function connectAccount(userId: string): Promise<void> {
    await api('POST', '/v1/connected-accounts', {
      user_id: userId,
      toolkit: 'bitbucket',
      credentials: { email: DEFAULT_ACCOUNT.email, api_token: DEFAULT_ACCOUNT.apiToken },
    });
  }

  beforeAll(async () => {
    bitbucket = await startBitbucketEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' } });
    baseUrl = await t.server.listen();
    // Accounts made through this config (links, posted credentials) call the emulator.
    await api('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'basic', base_url: bitbucket.baseUrl });
    sandbox = createSandbox();
    env = childEnv(sandbox);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((connected) => connected.close()));
  });
  afterAll(async () => {
    await t?.close();
    await bitbucket?.close();
    sandbox?.remove();
  });

  it('SDK v1 over stdio: lists, searches, connects through a link, executes a Bitbucket tool and hears tools/list_changed', async () => {
    const { client, stderr, errors } = await bridge(['--api-key', t.adminKey, '--endpoint', baseUrl, '--toolkits', 'bitbucket', '--user', 'desk-alice']);
    expect(client.getServerVersion()).toMatchObject({ name: 'switchboard' });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(metaTools);

    const found = await call(client, 'search_tools', { queries: [{ use_case: 'get the current Bitbucket user' }] });
    expect(found.results[0].tools[0]).toMatchObject({ tool_slug: 'BITBUCKET_GET_CURRENT_USER', toolkit: 'bitbucket', connected: false });
    expect((await currentUser(client)).error).toContain('POST /v1/connect-links');

    const link = (await call(client, 'manage_connections', { toolkits: ['bitbucket'] })).results.bitbucket;
    expect(link).toMatchObject({ status: 'initiated', redirect_url: expect.stringContaining('/connect/lt_') });
    // The user opens the link and types the email and API token on the connect page.
    await connectBitbucketOnPage(link.redirect_url);
    const waited = await call(client, 'wait_for_connections', { toolkits: ['bitbucket'], timeout_seconds: 5 });
    expect(waited).toMatchObject({ done: true, results: { bitbucket: { connected: true, status: 'ACTIVE' } } });
    expect((await currentUser(client)).response).toMatchObject({ successful: true, data: { display_name: 'Dev Example' } });

    // The session the bridge created is the user's, limited to Bitbucket; changing it reaches the client.
    const sessions = await api('GET', '/v1/sessions?user_id=desk-alice');
    expect(sessions.items).toHaveLength(1);
    expect(sessions.items[0].config.toolkits).toEqual({ enabled: ['bitbucket'] });
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    await api('PATCH', `/v1/sessions/${sessions.items[0].session_id}`, { toolkits: ['bitbucket', 'backendless'] });
    await expect(Promise.race([changed.then(() => 'notified'), new Promise((resolve) => setTimeout(() => resolve('silent'), 10_000))])).resolves.toBe(
      'notified',
    );

    // Nothing but JSON-RPC reached stdout (the client would have reported a line it cannot parse).
    expect(errors).toEqual([]);
    expect(stderr()).toContain(`relaying stdio to ${baseUrl}/mcp/${sessions.items[0].session_id}`);
    expect(stderr()).not.toContain(t.adminKey);
  });

  it('bridges to an existing session (--session, or its URL as --endpoint) and passes JSON-RPC errors through', async () => {
    const created = await api('POST', '/v1/sessions', { user_id: 'desk-bob', toolkits: ['bitbucket'] });
    await connectAccount('desk-bob');
    const bridged = [
      ['--api-key', t.adminKey, '--endpoint', baseUrl, '--session', created.session_id],
      ['--api-key', t.adminKey, '--endpoint', created.mcp.url],
      // The session's token URL alone: no key on the command line at all.
      ['--endpoint', created.mcp.token_url],
    ].map(async (args) => {
      const { client, errors, stderr } = await bridge(args);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(metaTools);
      expect((await currentUser(client)).response).toMatchObject({ successful: true, data: { display_name: 'Dev Example' } });
      // Switchboard's JSON-RPC error arrives as it was sent: code, message, data.code.
      const failure = await client.callTool({ name: 'BITBUCKET_NOT_A_TOOL', arguments: {} }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(McpError);
      expect(failure).toMatchObject({ code: -32602, data: { code: 'TOOL_NOT_FOUND', tool: 'BITBUCKET_NOT_A_TOOL' } });
      expect((failure as McpError).message).toContain('This session has no tool named BITBUCKET_NOT_A_TOOL');
      // A correctable mistake is a tool result with isError, also unchanged.
      const invalid = await client.callTool({ name: 'multi_execute_tool', arguments: { tools: 'not a list' } });
      expect(invalid.isError).toBe(true);
      expect(dataOf(invalid)).toMatchObject({ successful: false, error_code: 'VALIDATION_FAILED' });
      expect(errors).toEqual([]);
      expect(stderr()).not.toContain(new URL(created.mcp.token_url).searchParams.get('token'));
    });
    await Promise.all(bridged);
  });

  it('bridges to the universal /mcp for --user (x-user-id) and for a key bound to a user; --toolkits uses the key’s user', async () => {
    await connectAccount('desk-carol');
    const bound = await api('POST', '/v1/api-keys', { name: 'carol desktop', scopes: ['tools:execute'], user_id: 'desk-carol' });
    // Four independent bridge processes, started together.
    const [universal, stranger, byKey, withSession] = await Promise.all([
      bridge(['--api-key', t.adminKey, '--endpoint', baseUrl, '--user', 'desk-carol']),
      // Another user, with no account: the same bridge without x-user-id would act for nobody.
      bridge(['--api-key', t.adminKey, '--endpoint', baseUrl, '--user', 'desk-nobody']),
      // The key from the environment, as a config with "env" would pass it.
      bridge(['--endpoint', baseUrl], { SWITCHBOARD_API_KEY: bound.key }),
      bridge(['--toolkits', 'bitbucket'], { SWITCHBOARD_API_KEY: bound.key, SWITCHBOARD_URL: baseUrl }),
    ]);
    expect((await universal.client.listTools()).tools.map((tool) => tool.name)).toEqual(metaTools);
    expect((await currentUser(universal.client)).response).toMatchObject({ successful: true, data: { display_name: 'Dev Example' } });
    expect(universal.stderr()).toContain(`relaying stdio to ${baseUrl}/mcp (the universal endpoint (user desk-carol))`);
    expect((await currentUser(stranger.client)).error).toContain('POST /v1/connect-links');
    expect((await currentUser(byKey.client)).response).toMatchObject({ successful: true });
    expect((await currentUser(withSession.client)).response).toMatchObject({ successful: true });
    expect((await api('GET', '/v1/sessions?user_id=desk-carol')).items).toHaveLength(1);
  });

  for (const [era, versionNegotiation] of [
    ['2025-era initialize', undefined],
    ['2026-07-28, pinned', { mode: { pin: '2026-07-28' } }],
    ['auto negotiation', { mode: 'auto' }],
  ] as const) {
    it(`SDK v2 over stdio (${era}): lists and calls tools through the bridge`, async () => {
      const created = await api('POST', '/v1/sessions', { user_id: 'desk-dave', toolkits: ['bitbucket'] });
      const client = new ClientV2({ name: 'switchboard-stdio-test-v2', version: '1.0.0' }, versionNegotiation ? { versionNegotiation } : {});
      const transport = new StdioTransportV2({
        command: process.execPath,
        args: [cliEntry, 'connect', '--api-key', t.adminKey, '--endpoint', baseUrl, '--session', created.session_id],
        cwd: repoRoot,
        env: envRecord(env),
        stderr: 'pipe',
      });
      await client.connect(transport);
      try {
        expect(client.getProtocolEra()).toBe(versionNegotiation ? 'modern' : 'legacy');
        expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(metaTools);
        const found = dataOf(await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'list Bitbucket workspaces' }] } }));
        expect(found.results[0].tools.map((tool: Json) => tool.tool_slug)).toContain('BITBUCKET_LIST_WORKSPACES');
        const failure = await client.callTool({ name: 'BITBUCKET_NOT_A_TOOL', arguments: {} }).catch((error: unknown) => error);
        expect(failure).toMatchObject({ code: -32602, message: expect.stringContaining('BITBUCKET_NOT_A_TOOL') });
      } finally {
        await client.close();
      }
    });
  }

  it('writes only JSON-RPC lines to stdout and exits 0 when the client closes stdin', async () => {
    const created = await api('POST', '/v1/sessions', { user_id: 'desk-erin', toolkits: ['bitbucket'] });
    const child = spawn(process.execPath, [cliEntry, 'connect', '--api-key', t.adminKey, '--endpoint', baseUrl, '--session', created.session_id], {
      cwd: repoRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const send = (message: Json) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    const answered = async (id: number) => {
      const deadline = Date.now() + 15_000;
      while (!stdout.split('\n').some((line) => line.includes(`"id":${id}`))) {
        if (Date.now() > deadline) throw new Error(`no answer to request ${id}.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await answered(1);
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    send({ id: 3, method: 'tools/call', params: { name: 'NO_SUCH_TOOL', arguments: {} } });
    await answered(2);
    await answered(3);
    child.stdin.end();
    expect(await exited).toBe(0);

    const lines = stdout.split('\n').filter(Boolean);
    const messages = lines.map((line) => JSON.parse(line) as Json);
    expect(messages.every((message) => message.jsonrpc === '2.0')).toBe(true);
    expect(messages.find((message) => message.id === 1)?.result).toMatchObject({ protocolVersion: '2025-06-18', serverInfo: { name: 'switchboard' } });
    expect(messages.find((message) => message.id === 2)?.result.tools.map((tool: Json) => tool.name)).toEqual(metaTools);
    expect(messages.find((message) => message.id === 3)?.error).toMatchObject({ message: expect.stringContaining('NO_SUCH_TOOL') });
    expect(stderr).not.toContain(t.adminKey);
  });

  describe('bad input: one line on stderr, exit 1, nothing on stdout', () => {
    const wellFormedWrongKey = `sk_${'A1b2C3d4E5'.repeat(4)}Zz`;

    async function fails(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<string> {
      const result = await runSwitchboard(['connect', ...args], { ...env, ...extraEnv });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(stackTrace);
      expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
      return result.stderr;
    }

    it('a wrong key, for the universal endpoint, a session and a new session', async () => {
      const created = await api('POST', '/v1/sessions', { user_id: 'desk-frank', toolkits: ['bitbucket'] });
      const tokenUrl = new URL(created.mcp.token_url);
      tokenUrl.searchParams.set('token', 'forged');
      const wrongKeys = [
        ['--endpoint', baseUrl, '--user', 'desk-frank'],
        ['--endpoint', baseUrl, '--session', created.session_id],
        ['--endpoint', baseUrl, '--toolkits', 'bitbucket', '--user', 'desk-frank'],
      ].flatMap((args) => [wellFormedWrongKey, 'not-a-key'].map((key) => ({ key, args })));
      // Independent processes: started together, checked one by one.
      const [noKey, forged, ...refused] = await Promise.all([
        fails(['--endpoint', baseUrl]),
        fails(['--endpoint', tokenUrl.href]),
        ...wrongKeys.map(({ key, args }) => fails(['--api-key', key, ...args])),
      ]);
      for (const [index, stderr] of refused.entries()) {
        expect(stderr).toContain(`switchboard: Switchboard at ${baseUrl} refused the API key:`);
        expect(stderr).toContain('--api-key');
        expect(stderr).not.toContain(wrongKeys[index]!.key);
      }
      expect(noKey).toContain('No API key: pass --api-key');
      expect(forged).toContain(`Switchboard at ${baseUrl} refused the session token: The session token is not valid`);
    });

    it('an unknown session', async () => {
      const unknown = 'trs_AAAAAAAAAAAAAAAAAAAA';
      const [bySession, byUrl, malformed, withToolkits, withUser] = await Promise.all([
        fails(['--api-key', t.adminKey, '--endpoint', baseUrl, '--session', unknown]),
        fails(['--api-key', t.adminKey, '--endpoint', `${baseUrl}/mcp/${unknown}`]),
        fails(['--api-key', t.adminKey, '--endpoint', baseUrl, '--session', 'sess-1']),
        fails(['--api-key', t.adminKey, '--endpoint', baseUrl, '--session', unknown, '--toolkits', 'bitbucket']),
        fails(['--api-key', t.adminKey, '--endpoint', baseUrl, '--session', unknown, '--user', 'u']),
      ]);
      expect(bySession).toContain(`switchboard: Session ${unknown} was not found.`);
      expect(byUrl).toContain(`switchboard: Session ${unknown} was not found.`);
      expect(malformed).toContain('--session takes a session id like trs_');
      expect(withToolkits).toContain('cannot be combined');
      expect(withUser).toContain('drop --user');
    });

    it('an unreachable endpoint, a URL that is not one, and a missing user', async () => {
      const port = await freePort();
      const [unreachable, unreachableUrl, noEndpoint, notUrl, noUser, noUserToolkits, unknownToolkit] = await Promise.all([
        fails(['--api-key', t.adminKey, '--endpoint', `http://127.0.0.1:${port}`]),
        fails(['--api-key', t.adminKey, '--toolkits', 'bitbucket', '--user', 'u'], { SWITCHBOARD_URL: `http://127.0.0.1:${port}` }),
        fails(['--api-key', t.adminKey]),
        fails(['--api-key', t.adminKey, '--endpoint', 'switchboard.example.com']),
        fails(['--api-key', t.adminKey, '--endpoint', baseUrl]),
        fails(['--api-key', t.adminKey, '--endpoint', baseUrl, '--toolkits', 'bitbucket']),
        fails(['--api-key', t.adminKey, '--endpoint', baseUrl, '--toolkits', 'no_such_kit', '--user', 'u']),
      ]);
      expect(unreachable).toContain(`switchboard: Cannot reach Switchboard at http://127.0.0.1:${port} (connection refused)`);
      expect(unreachableUrl).toContain(`Cannot reach Switchboard at http://127.0.0.1:${port} (connection refused)`);
      expect(noEndpoint).toContain('No endpoint: pass --endpoint');
      expect(notUrl).toContain('is not a URL');
      // A project key names no user: the bridge says which flag to add.
      expect(noUser).toContain('pass --user <id>');
      expect(noUserToolkits).toContain('pass --user <id>');
      expect(unknownToolkit).toMatch(new RegExp(`^switchboard: Switchboard at ${baseUrl} refused the new session: .*no_such_kit`));
    });
  });

  it('--help documents every flag and the Claude Desktop entry', async () => {
    const result = await runSwitchboard(['connect', '--help'], env);
    expect(result.code).toBe(0);
    for (const flag of [
      '--api-key <key>',
      '--endpoint <url>',
      '--user <id>',
      '--toolkits <list>',
      '--session <id>',
      'SWITCHBOARD_API_KEY',
      'SWITCHBOARD_URL',
    ]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain('claude_desktop_config.json');
  });
});
