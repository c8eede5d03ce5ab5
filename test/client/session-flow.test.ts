import { Client as McpClient, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthConfig,
  Switchboard,
  SwitchboardConflictError,
  SwitchboardConnectionTimeoutError,
  SwitchboardNotConnectedError,
  SwitchboardNotFoundError,
  SwitchboardPermissionError,
} from '../../src/client/index.js';
import { type BitbucketEmulator, DEFAULT_ACCOUNT, SEED, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

const metaTools = ['search_tools', 'get_tool_schemas', 'manage_connections', 'wait_for_connections', 'multi_execute_tool'];

/**
 * The TypeScript client through a session's whole life, against a real server on loopback and the
 * Bitbucket emulator: create → search → authorize (the test fills in the connect page as the user
 * would) → wait for the connection → execute → toolkits → an optimistic update that loses a race →
 * delete.
 */
describe.skipIf(!testDatabaseAvailable())('TypeScript client: a session from creation to deletion', () => {
  let t: TestServer;
  let bitbucket: BitbucketEmulator;
  let baseUrl: string;
  let client: Switchboard;
  let authConfig: AuthConfig;

  beforeAll(async () => {
    bitbucket = await startBitbucketEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' } });
    baseUrl = await t.server.listen();
    client = new Switchboard({ apiKey: t.adminKey, baseUrl });
    // Accounts connected through this config call the emulator instead of api.bitbucket.org.
    authConfig = await client.authConfigs.create({ toolkit: 'bitbucket', scheme: 'basic', baseUrl: bitbucket.baseUrl });
  });
  afterAll(async () => {
    await t?.close();
    await bitbucket?.close();
  });

  it('creates, searches, connects, executes, lists toolkits, updates optimistically and deletes', async () => {
    const session = await client.sessions.create('client-flow', {
      toolkits: ['bitbucket'],
      authConfigs: { bitbucket: authConfig.id },
      manageConnections: { callbackUrl: 'https://app.example/connected' },
      expiresIn: 3600,
    });
    expect(session.sessionId).toMatch(/^trs_[A-Za-z0-9]{20}$/);
    expect(session.userId).toBe('client-flow');
    expect(session.mcp).toEqual({
      type: 'http',
      url: `${baseUrl}/mcp/${session.sessionId}`,
      headers: { 'x-api-key': t.adminKey },
      tokenUrl: expect.stringMatching(new RegExp(`^${baseUrl}/mcp/${session.sessionId}\\?token=.+`)),
    });
    expect(session.tools).toEqual(metaTools);
    expect(session.version).toBe(1);
    expect(session.config).toMatchObject({
      toolkits: { enabled: ['bitbucket'] },
      authConfigs: { bitbucket: authConfig.id },
      manageConnections: { enabled: true, callbackUrl: 'https://app.example/connected', waitForConnections: true },
      mode: 'meta',
      readOnly: false,
    });
    expect(Date.parse(session.expiresAt!) - Date.now()).toBeGreaterThan(3500_000);

    // The MCP block is what an MCP client needs, as is.
    const mcp = new McpClient({ name: 'switchboard-client-test', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(session.mcp.url), { requestInit: { headers: session.mcp.headers } }));
    try {
      expect((await mcp.listTools()).tools.map((tool) => tool.name)).toEqual(metaTools);
    } finally {
      await mcp.close();
    }

    const found = await session.search('get the current Bitbucket user');
    expect(found.results[0]).toMatchObject({ index: 1, useCase: 'get the current Bitbucket user' });
    expect(found.results[0]!.tools[0]).toMatchObject({
      toolSlug: 'BITBUCKET_GET_CURRENT_USER',
      toolkit: 'bitbucket',
      connected: false,
      inputSchema: { type: 'object' },
    });
    expect(found.toolkitConnectionStatuses).toEqual([
      { toolkit: 'bitbucket', name: 'Bitbucket', needsConnection: true, connected: false, connectedAccountId: null, status: null },
    ]);
    expect(found.nextSteps).toContain('manage_connections');
    const scoped = await session.search({ queries: [{ useCase: 'list repositories', knownFields: 'workspace:acme' }], toolkits: ['bitbucket'], limit: 2 });
    expect(scoped.results[0]!.tools.length).toBeLessThanOrEqual(2);
    expect(scoped.results[0]!.tools.map((tool) => tool.toolSlug)).toContain('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE');

    const notYet = await session.execute('BITBUCKET_GET_CURRENT_USER').catch((error: unknown) => error);
    expect(notYet).toBeInstanceOf(SwitchboardNotConnectedError);
    expect(notYet).toMatchObject({ status: 409, code: 'NOT_CONNECTED', toolkit: 'bitbucket', userId: 'client-flow' });
    expect((notYet as SwitchboardNotConnectedError).connect).toMatchObject({ method: 'POST', path: '/v1/connect-links' });
    expect((await session.toolkits()).items).toMatchObject([{ toolkit: 'bitbucket', connected: false }]);
    expect((await session.toolkits({ connected: true })).items).toEqual([]);

    const request = await session.authorize('bitbucket', { alias: 'work' });
    expect(request).toMatchObject({
      redirectUrl: expect.stringMatching(new RegExp(`^${baseUrl}/connect/lt_`)),
      linkToken: expect.stringMatching(/^lt_/),
      connectedAccountId: expect.stringMatching(/^ca_/),
      toolkit: 'bitbucket',
      authScheme: 'basic',
      authConfigId: authConfig.id,
      reconnect: false,
    });
    expect(Date.parse(request.expiresAt)).toBeGreaterThan(Date.now());

    // Nobody has opened the link yet: waiting a little times out, naming the INITIATED account.
    const early = await request.waitForConnection({ timeoutMs: 300, pollIntervalMs: 50 }).catch((error: unknown) => error);
    expect(early).toBeInstanceOf(SwitchboardConnectionTimeoutError);
    expect((early as SwitchboardConnectionTimeoutError).account).toMatchObject({ id: request.connectedAccountId, status: 'INITIATED' });

    // The app waits while the user opens the link and types the Atlassian email and API token.
    const waiting = request.waitForConnection({ timeoutMs: 15_000, pollIntervalMs: 100 });
    const page = await fetch(request.redirectUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: DEFAULT_ACCOUNT.email, api_token: DEFAULT_ACCOUNT.apiToken }),
      redirect: 'manual',
    });
    expect(page.status).toBe(200);
    const account = await waiting;
    expect(account).toMatchObject({
      id: request.connectedAccountId,
      userId: 'client-flow',
      toolkit: 'bitbucket',
      status: 'ACTIVE',
      alias: 'work',
      isDefault: true,
      authConfigId: authConfig.id,
      baseUrl: bitbucket.baseUrl,
    });
    expect(JSON.stringify(account)).not.toContain(DEFAULT_ACCOUNT.apiToken);

    // Tool results come back as the tool made them: snake_case keys are not converted.
    const me = await session.execute('BITBUCKET_GET_CURRENT_USER');
    expect(me).toMatchObject({
      successful: true,
      error: null,
      logId: expect.any(String),
      data: { display_name: 'Dev Example', account_id: DEFAULT_ACCOUNT.account_id },
    });
    const repositories = await session.execute('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE', { workspace: SEED.workspace, sort: 'name' });
    expect(repositories.successful).toBe(true);
    expect((repositories.data as { values: { full_name: string }[] }).values.map((repository) => repository.full_name)).toEqual([
      'acme/legacy',
      'acme/widgets',
    ]);
    expect(repositories.pagination).toEqual({ style: 'link', hasMore: false, next: null });
    expect(bitbucket.requests.at(-1)).toMatchObject({ method: 'GET', path: `/2.0/repositories/${SEED.workspace}` });

    expect((await session.toolkits()).items).toEqual([
      {
        toolkit: 'bitbucket',
        name: 'Bitbucket',
        description: expect.any(String),
        needsConnection: true,
        connected: true,
        connectedAccountId: request.connectedAccountId,
        status: 'ACTIVE',
        toolsCount: 17,
      },
    ]);
    expect((await session.toolkits({ connected: false })).items).toEqual([]);
    expect((await session.toolkits({ search: 'backendless' })).items).toEqual([]);

    // Two holders of version 1: the first update wins, the second is refused and changes nothing.
    const stale = await client.sessions.use(session.sessionId);
    expect(stale.version).toBe(1);
    await session.update({ readOnly: true });
    expect(session.version).toBe(2);
    expect(session.config.readOnly).toBe(true);
    const conflict = await stale.update({ mode: 'direct' }).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(SwitchboardConflictError);
    expect(conflict).toMatchObject({ status: 409, code: 'CONFLICT', currentVersion: 2, requestId: expect.any(String) });
    expect(stale.version).toBe(1);
    expect((await client.sessions.get(session.sessionId)).config).toMatchObject({ mode: 'meta', readOnly: true });

    // Read again, reapply: now it goes through, and the session lists the read-only tools directly.
    await stale.refresh();
    expect(stale.version).toBe(2);
    await stale.update({ mode: 'direct' });
    expect(stale).toMatchObject({ version: 3, config: { mode: 'direct', readOnly: true } });
    expect(stale.tools).toEqual(expect.arrayContaining(['manage_connections', 'BITBUCKET_GET_CURRENT_USER']));
    expect(stale.tools).not.toContain('BITBUCKET_CREATE_REPOSITORY');
    await expect(session.update({ mode: 'meta' })).rejects.toBeInstanceOf(SwitchboardConflictError);
    const denied = await stale.execute('BITBUCKET_CREATE_REPOSITORY', { workspace: SEED.workspace, repo_slug: 'nope' }).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(SwitchboardPermissionError);
    expect(denied).toMatchObject({ status: 403, code: 'FORBIDDEN' });

    await session.delete();
    await expect(client.sessions.get(session.sessionId)).rejects.toBeInstanceOf(SwitchboardNotFoundError);
    await expect(stale.execute('BITBUCKET_GET_CURRENT_USER')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});
