import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectedAccount,
  type ConnectionRequest,
  Session,
  Switchboard,
  SwitchboardConflictError,
  SwitchboardConnectionTimeoutError,
  SwitchboardNotConnectedError,
  SwitchboardNotFoundError,
  SwitchboardValidationError,
} from '../../src/client/index.js';
import { type BitbucketEmulator, DEFAULT_ACCOUNT, MEMBER_ACCOUNT, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { startOAuthProvider, type TestOAuthProvider } from '../helpers/oauth-provider.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** What the person does on the connect page of a Bitbucket basic-auth link. */
async function fillInConnectPage(request: ConnectionRequest, account: { email: string; apiToken: string }): Promise<Response> {
  return fetch(request.redirectUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: account.email, api_token: account.apiToken }),
    redirect: 'manual',
  });
}

/** Each resource group of the client against a real server (and the Bitbucket emulator and an OAuth provider) on loopback. */
describe.skipIf(!testDatabaseAvailable())('TypeScript client: every resource group', () => {
  let t: TestServer;
  let bitbucket: BitbucketEmulator;
  let provider: TestOAuthProvider;
  let client: Switchboard;

  /** A Bitbucket account posted with the default emulator account's credentials. */
  const postAccount = (userId: string, alias?: string) =>
    client.connectedAccounts.create({
      userId,
      toolkit: 'bitbucket',
      authScheme: 'basic',
      credentials: { email: DEFAULT_ACCOUNT.email, api_token: DEFAULT_ACCOUNT.apiToken },
      baseUrl: bitbucket.baseUrl,
      alias,
    });

  beforeAll(async () => {
    bitbucket = await startBitbucketEmulator();
    provider = await startOAuthProvider();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' } });
    client = new Switchboard({ apiKey: t.adminKey, baseUrl: await t.server.listen() });
  });
  afterAll(async () => {
    await t?.close();
    await provider?.close();
    await bitbucket?.close();
  });

  it('toolkits: pages, iterates every page, gets one with its tools', async () => {
    const first = await client.toolkits.list({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.toolkits.list({ limit: 1, cursor: first.nextCursor! });
    expect(second.items[0]!.slug).not.toBe(first.items[0]!.slug);
    const all = await collect(client.toolkits.listAll({ limit: 1 }));
    expect(all.map((toolkit) => toolkit.slug).sort()).toEqual(['backendless', 'bitbucket']);

    const bitbucketToolkit = await client.toolkits.get('bitbucket');
    expect(bitbucketToolkit).toMatchObject({ slug: 'bitbucket', name: 'Bitbucket', source: 'builtin', toolsCount: 17, docsUrl: expect.any(String) });
    expect(bitbucketToolkit.tools).toHaveLength(17);
    expect(bitbucketToolkit.tools[0]).toMatchObject({ toolkit: { slug: 'bitbucket' }, inputSchema: { type: 'object' } });
    const basic = bitbucketToolkit.authSchemes.find((scheme) => scheme.type === 'basic');
    expect(basic?.fields.map((field) => [field.name, field.secret])).toEqual([
      ['email', false],
      ['api_token', true],
    ]);
    expect(bitbucketToolkit.authSchemes.find((scheme) => scheme.type === 'oauth2')?.scopes).toEqual(expect.arrayContaining(['repository']));
    await expect(client.toolkits.get('no-such-toolkit')).rejects.toMatchObject({ status: 404, code: 'TOOLKIT_NOT_FOUND' });
    await expect(client.toolkits.get('no-such-toolkit')).rejects.toBeInstanceOf(SwitchboardNotFoundError);
  });

  it('tools: filters, pages, gets, and executes for a user (arguments and results untouched)', async () => {
    const page = await client.tools.list({ toolkit: 'bitbucket', limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toEqual(expect.any(String));
    const every = await collect(client.tools.listAll({ toolkit: 'bitbucket', limit: 5 }));
    expect(new Set(every.map((tool) => tool.slug)).size).toBe(17);
    const pullRequests = await client.tools.list({ toolkit: 'bitbucket', search: 'pull request' });
    expect(pullRequests.items.map((tool) => tool.slug)).toContain('BITBUCKET_CREATE_PULL_REQUEST');
    const tagged = await client.tools.list({ toolkit: 'bitbucket', tags: ['repositories', 'write'] });
    expect(tagged.items.length).toBeGreaterThan(0);
    for (const tool of tagged.items) expect(tool.tags).toEqual(expect.arrayContaining(['repositories', 'write']));

    const branch = await client.tools.get('BITBUCKET_CREATE_BRANCH');
    expect(branch).toMatchObject({
      slug: 'BITBUCKET_CREATE_BRANCH',
      toolkit: { slug: 'bitbucket', name: 'Bitbucket' },
      annotations: { readOnlyHint: false },
      inputSchema: { required: expect.arrayContaining(['repo_slug', 'target_hash']) },
    });

    await expect(client.tools.execute('BITBUCKET_GET_CURRENT_USER', { userId: 'tools-user' })).rejects.toBeInstanceOf(SwitchboardNotConnectedError);
    await postAccount('tools-user');
    const me = await client.tools.execute('BITBUCKET_GET_CURRENT_USER', { userId: 'tools-user' });
    expect(me).toMatchObject({ successful: true, data: { display_name: DEFAULT_ACCOUNT.display_name } });
    const invalid = await client.tools
      .execute('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE', { userId: 'tools-user', arguments: { workspace: 'acme', role: 'writer' } })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(SwitchboardValidationError);
    expect((invalid as SwitchboardValidationError).field).toBe('role');
    // An upstream failure is a result, not an exception.
    const missing = await client.tools.execute('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE', { userId: 'tools-user', arguments: { workspace: 'nope' } });
    expect(missing).toMatchObject({ successful: false, errorCode: 'UPSTREAM_ERROR', logId: expect.any(String) });
  });

  it('connected accounts: creates, lists, pages, renames, makes default, disables, enables, refuses a refresh, deletes', async () => {
    const first = await postAccount('accounts-user', 'first');
    expect(first).toMatchObject({
      userId: 'accounts-user',
      status: 'ACTIVE',
      isDefault: true,
      alias: 'first',
      authScheme: 'basic',
      baseUrl: bitbucket.baseUrl,
    });
    expect(first.credentialHints.api_token).toMatch(/^••••/);
    expect(JSON.stringify(first)).not.toContain(DEFAULT_ACCOUNT.apiToken);
    const second = await postAccount('accounts-user', 'second');
    expect(second.isDefault).toBe(false);

    expect((await client.connectedAccounts.list({ userId: 'accounts-user' })).items.map((account) => account.id)).toEqual([first.id, second.id]);
    const onePage = await client.connectedAccounts.list({ userId: 'accounts-user', limit: 1 });
    expect(onePage).toEqual({ items: [expect.objectContaining({ id: first.id })], nextCursor: expect.any(String) });
    expect((await collect(client.connectedAccounts.listAll({ userId: 'accounts-user', limit: 1 }))).map((account) => account.id)).toEqual([
      first.id,
      second.id,
    ]);
    expect((await client.connectedAccounts.list({ userId: 'accounts-user', status: 'DISABLED' })).items).toEqual([]);

    expect(await client.connectedAccounts.update(second.id, { isDefault: true })).toMatchObject({ id: second.id, isDefault: true });
    expect(await client.connectedAccounts.get(first.id)).toMatchObject({ isDefault: false });
    expect(await client.connectedAccounts.update(first.id, { alias: null })).toMatchObject({ alias: null });

    expect(await client.connectedAccounts.disable(second.id)).toMatchObject({ status: 'DISABLED' });
    const disabled = await client.tools
      .execute('BITBUCKET_GET_CURRENT_USER', { userId: 'accounts-user', connectedAccountId: second.id })
      .catch((error: unknown) => error);
    expect(disabled).toBeInstanceOf(SwitchboardNotConnectedError);
    expect(disabled).toMatchObject({ connectedAccountId: second.id, connect: undefined });
    expect(await client.connectedAccounts.enable(second.id)).toMatchObject({ status: 'ACTIVE' });
    const viaSecond = await client.tools.execute('BITBUCKET_GET_CURRENT_USER', { userId: 'accounts-user', connectedAccountId: second.id });
    expect(viaSecond.successful).toBe(true);

    // Basic credentials have no token to refresh.
    await expect(client.connectedAccounts.refresh(first.id)).rejects.toBeInstanceOf(SwitchboardConflictError);

    await client.connectedAccounts.delete(second.id);
    await expect(client.connectedAccounts.get(second.id)).rejects.toBeInstanceOf(SwitchboardNotFoundError);
    expect((await client.connectedAccounts.list({ userId: 'accounts-user' })).items).toEqual([expect.objectContaining({ id: first.id, isDefault: true })]);
  });

  it('connect links: connects a new account, then reconnects it with other credentials', async () => {
    const link = await client.connectLinks.create({
      userId: 'links-user',
      toolkit: 'bitbucket',
      authScheme: 'basic',
      baseUrl: bitbucket.baseUrl,
      callbackUrl: 'https://app.example/back',
      alias: 'linked',
      expiresIn: 600,
    });
    expect(link).toMatchObject({
      toolkit: 'bitbucket',
      authScheme: 'basic',
      authConfigId: null,
      reconnect: false,
      redirectUrl: expect.stringContaining('/connect/lt_'),
    });
    expect(Math.round((Date.parse(link.expiresAt) - Date.now()) / 1000)).toBeGreaterThan(590);
    expect(await client.connectedAccounts.get(link.connectedAccountId)).toMatchObject({ status: 'INITIATED', alias: 'linked' });

    const page = await fillInConnectPage(link, DEFAULT_ACCOUNT);
    expect(page.status).toBe(200);
    // The success page sends the person back to the app with the outcome.
    expect(await page.text()).toContain(`https://app.example/back?status=success&amp;connected_account_id=${link.connectedAccountId}`);
    const account: ConnectedAccount = await link.waitForConnection({ timeoutMs: 5000, pollIntervalMs: 50 });
    expect(account).toMatchObject({ id: link.connectedAccountId, status: 'ACTIVE' });

    // A reconnect link names an account that is already ACTIVE: only the person finishing it counts.
    const again = await client.connectLinks.create({ userId: 'links-user', toolkit: 'bitbucket', authScheme: 'basic', connectedAccountId: account.id });
    expect(again).toMatchObject({ connectedAccountId: account.id, reconnect: true });
    await expect(again.waitForConnection({ timeoutMs: 300, pollIntervalMs: 50 })).rejects.toBeInstanceOf(SwitchboardConnectionTimeoutError);
    const waiting = again.waitForConnection({ timeoutMs: 5000, pollIntervalMs: 50 });
    expect((await fillInConnectPage(again, MEMBER_ACCOUNT)).status).toBe(200);
    expect(await waiting).toMatchObject({ id: account.id, status: 'ACTIVE' });
    const me = await client.tools.execute('BITBUCKET_GET_CURRENT_USER', { userId: 'links-user' });
    expect(me.data).toMatchObject({ display_name: MEMBER_ACCOUNT.display_name });

    // Waiting can be cancelled.
    const cancelled = new AbortController();
    const third = await client.connectLinks.create({ userId: 'links-user-2', toolkit: 'bitbucket', authScheme: 'basic' });
    const pending = third.waitForConnection({ timeoutMs: 10_000, pollIntervalMs: 50, signal: cancelled.signal });
    cancelled.abort(new Error('user closed the dialog'));
    await expect(pending).rejects.toThrow('user closed the dialog');
  });

  it('auth configs: creates (OAuth client credentials), lists, gets, updates, refuses to delete one in use, deletes', async () => {
    const created = await client.authConfigs.create({
      toolkit: 'bitbucket',
      scheme: 'oauth2_client_credentials',
      name: 'Robots',
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      tokenUrl: provider.tokenUrl,
      scopes: ['repository'],
      allowedTools: ['BITBUCKET_GET_CURRENT_USER'],
    });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^ac_/),
      name: 'Robots',
      scheme: 'oauth2_client_credentials',
      clientId: provider.clientId,
      clientSecretHint: expect.stringMatching(/^••••/),
      tokenUrl: provider.tokenUrl,
      scopes: ['repository'],
      allowedTools: ['BITBUCKET_GET_CURRENT_USER'],
      redirectUri: null,
    });
    expect(JSON.stringify(created)).not.toContain(provider.clientSecret);
    expect((await client.authConfigs.list({ toolkit: 'bitbucket' })).items.map((config) => config.id)).toContain(created.id);
    expect((await client.authConfigs.list({ toolkit: 'backendless' })).items).toEqual([]);
    expect((await collect(client.authConfigs.listAll({ limit: 1 }))).map((config) => config.id)).toContain(created.id);
    expect(await client.authConfigs.get(created.id)).toEqual(created);

    const updated = await client.authConfigs.update(created.id, { name: 'Robots 2', allowedTools: null });
    expect(updated).toMatchObject({ id: created.id, name: 'Robots 2', allowedTools: null, tokenUrl: provider.tokenUrl });

    // A service account through it fetches a token at once; refresh gets a new one now.
    const robot = await client.connectedAccounts.create({ userId: 'robot', toolkit: 'bitbucket', authConfigId: created.id, baseUrl: bitbucket.baseUrl });
    expect(robot).toMatchObject({ status: 'ACTIVE', authScheme: 'oauth2', authConfigId: created.id, tokenExpiresAt: expect.any(String) });
    expect(provider.tokenRequests).toEqual(['client_credentials']);
    expect(await client.connectedAccounts.refresh(robot.id)).toMatchObject({ id: robot.id, status: 'ACTIVE' });
    expect(provider.tokenRequests).toEqual(['client_credentials', 'client_credentials']);

    const inUse = await client.authConfigs.delete(created.id).catch((error: unknown) => error);
    expect(inUse).toBeInstanceOf(SwitchboardConflictError);
    expect(inUse).toMatchObject({ details: { connected_accounts: 1 } });
    await client.connectedAccounts.delete(robot.id);
    await client.authConfigs.delete(created.id);
    await expect(client.authConfigs.get(created.id)).rejects.toBeInstanceOf(SwitchboardNotFoundError);
  });

  it('sessions: the whole policy on the wire, list by user, page through, get, reconnect a pinned account, delete by id', async () => {
    const pinned = await postAccount('sessions-user', 'pinned');
    const session = await client.sessions.create('sessions-user', {
      tools: { bitbucket: { tags: { enable: ['readOnlyHint'] } }, backendless: { disable: ['BACKENDLESS_DELETE_FILE'] } },
      tags: { disable: ['destructiveHint'] },
      connectedAccounts: { bitbucket: pinned.id },
      manageConnections: false,
      preload: { tools: ['BITBUCKET_GET_CURRENT_USER'] },
      workbench: { autoOffloadThreshold: 5000 },
      readOnly: true,
    });
    expect(session.config).toEqual({
      toolkits: null,
      tools: { bitbucket: { tags: { enabled: ['readOnlyHint'], disabled: [] } }, backendless: { disabled: ['BACKENDLESS_DELETE_FILE'] } },
      tags: { enabled: [], disabled: ['destructiveHint'] },
      authConfigs: {},
      connectedAccounts: { bitbucket: pinned.id },
      manageConnections: { enabled: false, callbackUrl: null, waitForConnections: false },
      mode: 'meta',
      preload: ['BITBUCKET_GET_CURRENT_USER'],
      readOnly: true,
      workbench: { autoOffloadThreshold: 5000 },
    });
    expect(session.tools).toEqual(['search_tools', 'get_tool_schemas', 'multi_execute_tool', 'read_stored_result', 'BITBUCKET_GET_CURRENT_USER']);
    expect(session.expiresAt).toBeNull();
    expect(JSON.parse(JSON.stringify(session))).toMatchObject({ sessionId: session.sessionId, config: { readOnly: true }, version: 1 });
    expect((await session.execute('BITBUCKET_GET_CURRENT_USER')).successful).toBe(true);

    // The session pins the account: its link reconnects that account.
    const reconnect = await session.authorize('bitbucket');
    expect(reconnect).toMatchObject({ connectedAccountId: pinned.id, reconnect: true });

    const more = [await client.sessions.create('sessions-user'), await client.sessions.create('sessions-user')];
    await client.sessions.create('someone-else');
    const ids = [session.sessionId, ...more.map((item) => item.sessionId)];
    const listed = await client.sessions.list({ userId: 'sessions-user' });
    expect(listed.items.map((item) => item.sessionId)).toEqual(ids);
    expect(listed.items[0]).toBeInstanceOf(Session);
    expect(listed.nextCursor).toBeNull();
    const firstPage = await client.sessions.list({ userId: 'sessions-user', limit: 2 });
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    expect((await collect(client.sessions.listAll({ userId: 'sessions-user', limit: 2 }))).map((item) => item.sessionId)).toEqual(ids);
    expect((await client.sessions.list()).items.length).toBe(4);

    const used = await client.sessions.use(more[0]!.sessionId);
    expect(used.toJSON()).toEqual(more[0]!.toJSON());
    await client.sessions.delete(more[0]!.sessionId);
    await expect(client.sessions.get(more[0]!.sessionId)).rejects.toBeInstanceOf(SwitchboardNotFoundError);
    await expect(used.refresh()).rejects.toBeInstanceOf(SwitchboardNotFoundError);
  });
});
