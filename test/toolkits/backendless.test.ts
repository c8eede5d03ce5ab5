import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BackendlessEmulator, type RecordedRequest, startBackendlessEmulator } from '../emulators/backendless/index.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/** The built-in Backendless toolkit (src/toolkits/backendless) executed over REST against the stateful emulator. */

interface Execution {
  data: unknown;
  error: string | null;
  successful: boolean;
  log_id: string;
  error_code?: string;
  error_details?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const TOOL_SLUGS = [
  'BACKENDLESS_COPY_FILE',
  'BACKENDLESS_CREATE_DIRECTORY',
  'BACKENDLESS_CREATE_HIVE',
  'BACKENDLESS_CREATE_TIMER',
  'BACKENDLESS_DELETE_DIRECTORY',
  'BACKENDLESS_DELETE_FILE',
  'BACKENDLESS_DELETE_TIMER',
  'BACKENDLESS_DIRECTORY_LISTING',
  'BACKENDLESS_GENERAL_OBJECT_RETRIEVAL',
  'BACKENDLESS_GET_ALL_VALUES',
  'BACKENDLESS_GET_COUNTER_VALUE',
  'BACKENDLESS_GET_FILE_COUNT',
  'BACKENDLESS_GET_KEY_ITEMS',
  'BACKENDLESS_GET_TIMER',
  'BACKENDLESS_MAP_PUT',
  'BACKENDLESS_MOVE_FILE',
  'BACKENDLESS_PUBLISH_MESSAGE',
  'BACKENDLESS_RESET_COUNTER',
  'BACKENDLESS_SET_COUNTER_VALUE',
  'BACKENDLESS_UPDATE_TIMER',
  'BACKENDLESS_USER_CHANGE_PASSWORD',
  'BACKENDLESS_USER_DELETE',
  'BACKENDLESS_USER_FIND',
  'BACKENDLESS_USER_GRANT_PERMISSION',
  'BACKENDLESS_USER_LOGIN',
  'BACKENDLESS_USER_LOGOUT',
  'BACKENDLESS_USER_PASSWORD_RECOVERY',
  'BACKENDLESS_USER_REGISTRATION',
  'BACKENDLESS_USER_REVOKE_PERMISSION',
  'BACKENDLESS_USER_UPDATE',
  'BACKENDLESS_VALIDATE_USER_TOKEN',
];

/** The first required argument of each tool: calling it with `{}` must name this field. */
const FIRST_REQUIRED: Record<string, string> = {
  BACKENDLESS_COPY_FILE: 'source_path',
  BACKENDLESS_CREATE_DIRECTORY: 'directory_path',
  BACKENDLESS_CREATE_HIVE: 'hive_name',
  BACKENDLESS_CREATE_TIMER: 'name',
  BACKENDLESS_DELETE_DIRECTORY: 'directory_path',
  BACKENDLESS_DELETE_FILE: 'relative_path',
  BACKENDLESS_DELETE_TIMER: 'timer_name',
  BACKENDLESS_DIRECTORY_LISTING: 'path',
  BACKENDLESS_GENERAL_OBJECT_RETRIEVAL: 'table_name',
  BACKENDLESS_GET_ALL_VALUES: 'hive_name',
  BACKENDLESS_GET_COUNTER_VALUE: 'counter_name',
  BACKENDLESS_GET_FILE_COUNT: 'path',
  BACKENDLESS_GET_KEY_ITEMS: 'hive_name',
  BACKENDLESS_GET_TIMER: 'name',
  BACKENDLESS_MAP_PUT: 'hive_name',
  BACKENDLESS_MOVE_FILE: 'source_path',
  BACKENDLESS_PUBLISH_MESSAGE: 'channel_name',
  BACKENDLESS_RESET_COUNTER: 'counter_name',
  BACKENDLESS_SET_COUNTER_VALUE: 'counter_name',
  BACKENDLESS_UPDATE_TIMER: 'name',
  BACKENDLESS_USER_CHANGE_PASSWORD: 'user_id',
  BACKENDLESS_USER_DELETE: 'user_id',
  BACKENDLESS_USER_FIND: 'user_id',
  BACKENDLESS_USER_GRANT_PERMISSION: 'table_name',
  BACKENDLESS_USER_LOGIN: 'login',
  BACKENDLESS_USER_LOGOUT: 'user-token',
  BACKENDLESS_USER_PASSWORD_RECOVERY: 'user_identity',
  BACKENDLESS_USER_REGISTRATION: 'email',
  BACKENDLESS_USER_REVOKE_PERMISSION: 'table_name',
  BACKENDLESS_USER_UPDATE: 'user_id',
  BACKENDLESS_VALIDATE_USER_TOKEN: 'userToken',
};

describe.skipIf(!testDatabaseAvailable())('Backendless toolkit', () => {
  let t: TestServer;
  let emulator: BackendlessEmulator;

  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });

  const connect = async (userId: string, credentials: Record<string, string>) => {
    const response = await api('POST', '/v1/connected-accounts', {
      user_id: userId,
      toolkit: 'backendless',
      credentials,
      base_url: `${emulator.url}/{app_id}/{rest_api_key}`,
      server_urls: { console: `${emulator.url}/{app_id}/console` },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Json;
  };

  /** Executes a tool for `user` over REST; the HTTP call itself must succeed (200). */
  const run = async (slug: string, args: object, user = 'ada'): Promise<Execution> => {
    const response = await api('POST', `/v1/tools/${slug}/execute`, { user_id: user, arguments: args });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Execution;
  };

  /** Executes a tool that must succeed and returns its `data`. */
  const ok = async (slug: string, args: object, user = 'ada'): Promise<unknown> => {
    const result = await run(slug, args, user);
    expect(result, JSON.stringify(result)).toMatchObject({ successful: true, error: null });
    return result.data;
  };

  /** Executes a tool whose upstream call must fail with this Backendless error code. */
  const failsUpstream = async (slug: string, args: object, upstreamCode: number, status: number, user = 'ada'): Promise<Execution> => {
    const result = await run(slug, args, user);
    expect(result, JSON.stringify(result)).toMatchObject({
      successful: false,
      data: null,
      error_code: 'UPSTREAM_ERROR',
      error_details: { status, upstream_code: upstreamCode },
    });
    expect(result.error).toContain(String(result.error_details?.upstream_message));
    return result;
  };

  const lastRequest = (): RecordedRequest => emulator.requests.at(-1)!;

  beforeAll(async () => {
    emulator = await startBackendlessEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '3000' } });
    const account = await connect('ada', { app_id: emulator.appId, rest_api_key: emulator.restApiKey, console_auth_key: emulator.consoleAuthKey });
    expect(account).toMatchObject({ toolkit: 'backendless', auth_scheme: 'api_key', status: 'ACTIVE', credential_hints: { app_id: emulator.appId } });
    expect(JSON.stringify(account)).not.toContain(emulator.restApiKey);
    expect(JSON.stringify(account)).not.toContain(emulator.consoleAuthKey);
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });
  beforeEach(() => {
    emulator.requests.length = 0;
  });

  it('is a built-in toolkit with the 31 known tools, path credentials and a console server', async () => {
    const toolkit = (await api('GET', '/v1/toolkits/backendless')).json() as Json;
    expect(toolkit).toMatchObject({
      slug: 'backendless',
      source: 'builtin',
      tools_count: 31,
      auth_schemes: [
        {
          type: 'api_key',
          fields: [
            { name: 'app_id', label: 'Application ID', secret: false, required: true },
            { name: 'rest_api_key', secret: true, required: true },
            { name: 'console_auth_key', label: 'Console auth key (timers only)', secret: true, required: false },
          ],
        },
      ],
    });
    const tools = (await api('GET', '/v1/tools?toolkit=backendless&limit=100')).json() as { items: Array<Json & { slug: string }> };
    expect(tools.items.map((tool) => tool.slug).sort()).toEqual(TOOL_SLUGS);
    const bySlug = new Map(tools.items.map((tool) => [tool.slug, tool]));
    expect(bySlug.get('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL')).toMatchObject({
      annotations: { readOnlyHint: true },
      input_schema: { properties: { 'user-token': { type: 'string' }, pageSize: { default: 10 } } },
    });
    expect(bySlug.get('BACKENDLESS_DIRECTORY_LISTING')).toMatchObject({ input_schema: { properties: { pagesize: { type: 'integer' } } } });
    expect(bySlug.get('BACKENDLESS_VALIDATE_USER_TOKEN')).toMatchObject({ input_schema: { required: ['userToken'] } });
    expect(bySlug.get('BACKENDLESS_SET_COUNTER_VALUE')).toMatchObject({ annotations: { readOnlyHint: false, idempotentHint: false } });
    expect(bySlug.get('BACKENDLESS_USER_DELETE')).toMatchObject({ annotations: { destructiveHint: true, idempotentHint: true } });
  });

  it.each(Object.entries(FIRST_REQUIRED))('%s without arguments is refused before any upstream call, naming %s', async (slug, field) => {
    const response = await api('POST', `/v1/tools/${slug}/execute`, { user_id: 'ada', arguments: {} });
    expect(response.statusCode).toBe(400);
    const { error } = response.json() as { error: { code: string; message: string; details: { issues: Array<{ field: string; message: string }> } } };
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.issues).toContainEqual({ field, message: 'is required' });
    expect(error.message).toContain(`"${field}" is required`);
    expect(emulator.requests).toHaveLength(0);
  });

  describe('users', () => {
    const email = 'ada@example.com';

    it('registers, logs in, validates the token, updates, finds, changes the password, logs out, and deletes', async () => {
      const registered = (await ok('BACKENDLESS_USER_REGISTRATION', { email, password: 'first-password' })) as Json;
      expect(registered).toMatchObject({ email, ___class: 'Users', userStatus: 'ENABLED' });
      expect(registered).not.toHaveProperty('password');
      const userId = registered.objectId as string;
      expect(lastRequest()).toMatchObject({ method: 'POST', apiPath: '/users/register', body: { email, password: 'first-password' } });

      await failsUpstream('BACKENDLESS_USER_REGISTRATION', { email, password: 'again' }, 3033, 400);

      const login = (await ok('BACKENDLESS_USER_LOGIN', { login: email, password: 'first-password' })) as Json;
      expect(login).toMatchObject({ objectId: userId, email });
      const token = login['user-token'] as string;
      expect(token).toMatch(/^[0-9A-F-]{36}$/);

      expect(await ok('BACKENDLESS_VALIDATE_USER_TOKEN', { userToken: token })).toEqual({ is_valid: true });
      expect(lastRequest()).toMatchObject({ method: 'GET', apiPath: `/users/isvalidusertoken/${token}` });

      const updated = (await ok('BACKENDLESS_USER_UPDATE', { user_id: userId, properties: { name: 'Ada L.', city: 'London' }, user_token: token })) as Json;
      expect(updated).toMatchObject({ objectId: userId, name: 'Ada L.', city: 'London' });
      expect(lastRequest()).toMatchObject({
        method: 'PUT',
        apiPath: `/users/${userId}`,
        headers: { 'user-token': '[redacted]' },
        body: { name: 'Ada L.', city: 'London' },
      });

      expect(await ok('BACKENDLESS_USER_FIND', { user_id: userId })).toEqual({ user: expect.objectContaining({ objectId: userId, name: 'Ada L.', email }) });
      expect(lastRequest()).toMatchObject({ method: 'GET', apiPath: `/data/Users/${userId}` });
      expect(lastRequest().headers).not.toHaveProperty('user-token');

      const changed = await ok('BACKENDLESS_USER_CHANGE_PASSWORD', { user_id: userId, password: 'second-password', user_token: token });
      expect(changed).toEqual({ message: 'Password changed.', user_id: userId, updated: expect.any(Number) });
      expect(emulator.state.passwords.get(userId)).toBe('second-password');

      await failsUpstream('BACKENDLESS_USER_LOGIN', { login: email, password: 'first-password' }, 3003, 401);
      const relogin = (await ok('BACKENDLESS_USER_LOGIN', { login: email, password: 'second-password' })) as Json;
      const secondToken = relogin['user-token'] as string;

      expect(await ok('BACKENDLESS_USER_LOGOUT', { 'user-token': token })).toEqual({ message: expect.stringContaining('logged out'), success: true });
      expect(lastRequest()).toMatchObject({ method: 'GET', apiPath: '/users/logout', headers: { 'user-token': '[redacted]' } });
      expect(await ok('BACKENDLESS_VALIDATE_USER_TOKEN', { userToken: token })).toEqual({ is_valid: false });
      expect(await ok('BACKENDLESS_VALIDATE_USER_TOKEN', { userToken: secondToken })).toEqual({ is_valid: true });
      await failsUpstream('BACKENDLESS_USER_LOGOUT', { 'user-token': token }, 3023, 401);
      await failsUpstream('BACKENDLESS_USER_UPDATE', { user_id: userId, properties: { name: 'x' }, user_token: token }, 3064, 401);

      const deleted = (await ok('BACKENDLESS_USER_DELETE', { user_id: userId })) as Json;
      expect(deleted).toEqual({ deletionTime: expect.any(Number) });
      expect(emulator.state.findUser(userId)).toBeUndefined();
      expect(await ok('BACKENDLESS_VALIDATE_USER_TOKEN', { userToken: secondToken })).toEqual({ is_valid: false });
      await failsUpstream('BACKENDLESS_USER_FIND', { user_id: userId }, 1000, 404);
      await failsUpstream('BACKENDLESS_USER_DELETE', { user_id: userId }, 1000, 404);
    });

    it('converts a guest user into a registered one when given its objectId', async () => {
      const guest = emulator.state.insert('Users', { userStatus: 'GUEST' });
      const converted = (await ok('BACKENDLESS_USER_REGISTRATION', { email: 'guest@example.com', password: 'pw', objectId: guest.objectId })) as Json;
      expect(converted).toMatchObject({ objectId: guest.objectId, email: 'guest@example.com', userStatus: 'ENABLED' });
      expect(lastRequest().body).toEqual({ email: 'guest@example.com', password: 'pw', objectId: guest.objectId });
      await failsUpstream('BACKENDLESS_USER_REGISTRATION', { email: 'other@example.com', password: 'pw', objectId: 'NO-SUCH-GUEST' }, 1000, 404);
    });

    it('refuses an update without the user token, or with another user token', async () => {
      const grace = (await ok('BACKENDLESS_USER_REGISTRATION', { email: 'grace@example.com', password: 'grace-pw' })) as Json;
      const linus = (await ok('BACKENDLESS_USER_REGISTRATION', { email: 'linus@example.com', password: 'linus-pw' })) as Json;
      const linusToken = ((await ok('BACKENDLESS_USER_LOGIN', { login: 'linus@example.com', password: 'linus-pw' })) as Json)['user-token'] as string;
      await failsUpstream('BACKENDLESS_USER_UPDATE', { user_id: grace.objectId, properties: { name: 'G' } }, 3028, 401);
      await failsUpstream('BACKENDLESS_USER_CHANGE_PASSWORD', { user_id: grace.objectId, password: 'stolen', user_token: linusToken }, 4000, 403);
      expect(emulator.state.passwords.get(grace.objectId as string)).toBe('grace-pw');
      expect((await ok('BACKENDLESS_USER_FIND', { user_id: linus.objectId, user_token: linusToken })) as Json).toMatchObject({
        user: { email: 'linus@example.com' },
      });
      const missingToken = await api('POST', '/v1/tools/BACKENDLESS_USER_CHANGE_PASSWORD/execute', {
        user_id: 'ada',
        arguments: { user_id: grace.objectId, password: 'new' },
      });
      expect(missingToken.statusCode).toBe(400);
      expect(missingToken.json().error.details.issues).toEqual([{ field: 'user_token', message: 'is required' }]);
    });

    it('sends a password recovery email, and reports an unknown identity', async () => {
      await ok('BACKENDLESS_USER_REGISTRATION', { email: 'margaret@example.com', password: 'pw' });
      expect(await ok('BACKENDLESS_USER_PASSWORD_RECOVERY', { user_identity: 'margaret@example.com' })).toEqual({
        message: 'Password recovery email sent.',
        user_identity: 'margaret@example.com',
      });
      expect(lastRequest()).toMatchObject({ method: 'GET', apiPath: '/users/restorepassword/margaret%40example.com' });
      expect(emulator.state.sentEmails.at(-1)).toMatchObject({ kind: 'restorepassword', to: 'margaret@example.com' });
      const unknown = await failsUpstream('BACKENDLESS_USER_PASSWORD_RECOVERY', { user_identity: 'nobody@example.com' }, 3020, 404);
      expect(unknown.error).toContain('nobody@example.com');
    });

    it('keeps passwords and tokens out of the audit log', async () => {
      await ok('BACKENDLESS_USER_REGISTRATION', { email: 'secretive@example.com', password: 'audit-secret-password' });
      const login = (await ok('BACKENDLESS_USER_LOGIN', { login: 'secretive@example.com', password: 'audit-secret-password' })) as Json;
      await ok('BACKENDLESS_VALIDATE_USER_TOKEN', { userToken: login['user-token'] });
      const logs = await api('GET', '/v1/execution-logs?limit=200&tool_slug=BACKENDLESS_USER_LOGIN');
      expect(logs.statusCode).toBe(200);
      expect((logs.json() as { items: unknown[] }).items.length).toBeGreaterThan(0);
      const all = await api('GET', '/v1/execution-logs?limit=200');
      expect(all.body).not.toContain('audit-secret-password');
      expect(all.body).not.toContain(login['user-token'] as string);
    });
  });

  describe('hive', () => {
    it('creates a hive, puts map entries, reads all values, and reads list items whole, by index and by range', async () => {
      expect(await ok('BACKENDLESS_CREATE_HIVE', { hive_name: 'shop-cache' })).toEqual({ message: 'Hive created.', hive_name: 'shop-cache' });
      expect(emulator.state.hives.has('shop-cache')).toBe(true);
      await failsUpstream('BACKENDLESS_CREATE_HIVE', { hive_name: 'shop-cache' }, 6018, 400);

      expect(await ok('BACKENDLESS_MAP_PUT', { hive_name: 'shop-cache', map_name: 'product:42', entries: { color: 'red', stock: 12 } })).toEqual({ count: 2 });
      expect(lastRequest()).toMatchObject({ method: 'PUT', apiPath: '/hive/shop-cache/map/product%3A42', body: { color: 'red', stock: 12 } });
      expect(await ok('BACKENDLESS_MAP_PUT', { hive_name: 'shop-cache', map_name: 'product:42', entries: { stock: 11, tags: ['new'] } })).toEqual({ count: 1 });
      expect(await ok('BACKENDLESS_GET_ALL_VALUES', { hive_name: 'shop-cache', map_name: 'product:42' })).toEqual({ values: ['red', 11, ['new']] });
      expect(await ok('BACKENDLESS_GET_ALL_VALUES', { hive_name: 'shop-cache', map_name: 'nothing-here' })).toEqual({ values: [] });

      emulator.state.hives.get('shop-cache')!.lists.set('recent', ['a', 'b', 'c', 'd']);
      expect(await ok('BACKENDLESS_GET_KEY_ITEMS', { hive_name: 'shop-cache', key: 'recent' })).toEqual({ items: ['a', 'b', 'c', 'd'] });
      expect(await ok('BACKENDLESS_GET_KEY_ITEMS', { hive_name: 'shop-cache', key: 'recent', index: 1 })).toEqual({ items: 'b' });
      expect(lastRequest()).toMatchObject({ apiPath: '/hive/shop-cache/list/recent/1', query: {} });
      expect(await ok('BACKENDLESS_GET_KEY_ITEMS', { hive_name: 'shop-cache', key: 'recent', index: -1 })).toEqual({ items: 'd' });
      expect(await ok('BACKENDLESS_GET_KEY_ITEMS', { hive_name: 'shop-cache', key: 'recent', from_index: 1, to_index: 2 })).toEqual({ items: ['b', 'c'] });
      expect(lastRequest()).toMatchObject({ apiPath: '/hive/shop-cache/list/recent', query: { from: '1', to: '2' } });
      expect(await ok('BACKENDLESS_GET_KEY_ITEMS', { hive_name: 'shop-cache', key: 'recent', from_index: 2 })).toEqual({ items: ['c', 'd'] });
      expect(await ok('BACKENDLESS_GET_KEY_ITEMS', { hive_name: 'shop-cache', key: 'recent', from_index: -2, to_index: -1 })).toEqual({ items: ['c', 'd'] });
    });

    it('reports an unknown hive and refuses bad hive names and empty entries', async () => {
      const missing = await failsUpstream('BACKENDLESS_GET_ALL_VALUES', { hive_name: 'no-such-hive', map_name: 'm' }, 6007, 404);
      expect(missing.error).toContain('no-such-hive');
      await failsUpstream('BACKENDLESS_MAP_PUT', { hive_name: 'no-such-hive', map_name: 'm', entries: { a: 1 } }, 6007, 404);
      await failsUpstream('BACKENDLESS_GET_KEY_ITEMS', { hive_name: 'no-such-hive', key: 'k' }, 6007, 404);
      const badName = await api('POST', '/v1/tools/BACKENDLESS_CREATE_HIVE/execute', { user_id: 'ada', arguments: { hive_name: 'bad name!' } });
      expect(badName.statusCode).toBe(400);
      expect(badName.json().error.details.issues[0].field).toBe('hive_name');
      const empty = await api('POST', '/v1/tools/BACKENDLESS_MAP_PUT/execute', { user_id: 'ada', arguments: { hive_name: 'h', map_name: 'm', entries: {} } });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.details.issues[0].field).toBe('entries');
      expect(emulator.requests).toHaveLength(3);
    });
  });

  describe('counters', () => {
    it('reads a counter, compare-and-sets it (success and mismatch) and resets it', async () => {
      expect(await ok('BACKENDLESS_GET_COUNTER_VALUE', { counter_name: 'never-used' })).toEqual({ current: 0 });
      emulator.state.setCounter('visits', 5);
      expect(await ok('BACKENDLESS_GET_COUNTER_VALUE', { counter_name: 'visits' })).toEqual({ current: 5 });

      expect(await ok('BACKENDLESS_SET_COUNTER_VALUE', { counter_name: 'visits', expected: 5, updatedvalue: 7 })).toEqual({ result: true });
      expect(lastRequest()).toMatchObject({ method: 'PUT', apiPath: '/counters/visits/get/compareandset', query: { expected: '5', updatedvalue: '7' } });
      expect(emulator.state.counters.get('visits')).toBe(7);

      expect(await ok('BACKENDLESS_SET_COUNTER_VALUE', { counter_name: 'visits', expected: 5, updatedvalue: 9 })).toEqual({ result: false });
      expect(emulator.state.counters.get('visits')).toBe(7);
      await failsUpstream('BACKENDLESS_SET_COUNTER_VALUE', { counter_name: 'visits', expected: 7, updatedvalue: 8, user_token: 'stale' }, 3064, 401);
      expect(emulator.state.counters.get('visits')).toBe(7);

      expect(await ok('BACKENDLESS_RESET_COUNTER', { counter_name: 'visits' })).toEqual({ message: 'Counter reset to 0.', counter_name: 'visits', value: 0 });
      expect(lastRequest()).toMatchObject({ method: 'PUT', apiPath: '/counters/visits/reset' });
      expect(await ok('BACKENDLESS_GET_COUNTER_VALUE', { counter_name: 'visits' })).toEqual({ current: 0 });
    });

    it('sends the user token as the user-token header, and reports an invalid one', async () => {
      await ok('BACKENDLESS_USER_REGISTRATION', { email: 'counter-user@example.com', password: 'pw' });
      const token = ((await ok('BACKENDLESS_USER_LOGIN', { login: 'counter-user@example.com', password: 'pw' })) as Json)['user-token'] as string;
      expect(await ok('BACKENDLESS_GET_COUNTER_VALUE', { counter_name: 'visits', user_token: token })).toEqual({ current: 0 });
      expect(lastRequest().headers['user-token']).toBe('[redacted]');
      const invalid = await failsUpstream('BACKENDLESS_RESET_COUNTER', { counter_name: 'visits', user_token: 'not-a-session' }, 3064, 401);
      expect(invalid.error).toContain('invalid or expired session');
    });
  });

  describe('files', () => {
    it('creates a directory, copies, moves, lists, counts and deletes files and directories', async () => {
      expect(await ok('BACKENDLESS_CREATE_DIRECTORY', { directory_path: 'reports/2024' })).toEqual({
        message: 'Directory created.',
        directory_path: 'reports/2024',
      });
      expect(lastRequest()).toMatchObject({ method: 'POST', path: `/${emulator.appId}/${emulator.restApiKey}/files/reports/2024/`, body: undefined });
      expect(emulator.state.files.isDirectory('reports/2024')).toBe(true);
      await failsUpstream('BACKENDLESS_CREATE_DIRECTORY', { directory_path: 'reports/2024' }, 6018, 400);

      emulator.state.putFile('reports/2024/q1.txt', 'hello');
      emulator.state.putFile('reports/2024/q2.csv', 'a,b\n1,2');
      emulator.state.putFile('reports/2024/drafts/q3.txt', 'draft');

      expect(await ok('BACKENDLESS_COPY_FILE', { source_path: '/reports/2024/q1.txt', target_path: '/archive' })).toEqual({ copied_path: '/archive/q1.txt' });
      expect(lastRequest()).toMatchObject({ method: 'PUT', apiPath: '/files/copy', body: { sourcePath: '/reports/2024/q1.txt', targetPath: '/archive' } });
      expect(emulator.state.readFile('archive/q1.txt')).toBe('hello');
      expect(emulator.state.readFile('reports/2024/q1.txt')).toBe('hello');
      await failsUpstream('BACKENDLESS_COPY_FILE', { source_path: '/reports/2024/q1.txt', target_path: '/archive' }, 6018, 400);
      await failsUpstream('BACKENDLESS_COPY_FILE', { source_path: '/nope.txt', target_path: '/archive' }, 6000, 404);

      expect(await ok('BACKENDLESS_MOVE_FILE', { source_path: '/archive/q1.txt', target_path: '/backup/old' })).toEqual({ moved_path: '/backup/old/q1.txt' });
      expect(lastRequest()).toMatchObject({ method: 'PUT', apiPath: '/files/move' });
      expect(emulator.state.readFile('archive/q1.txt')).toBeUndefined();
      expect(emulator.state.readFile('backup/old/q1.txt')).toBe('hello');
      await failsUpstream('BACKENDLESS_MOVE_FILE', { source_path: '/archive/q1.txt', target_path: '/backup' }, 6000, 404);

      const listing = (await ok('BACKENDLESS_DIRECTORY_LISTING', { path: '/reports/2024' })) as { items: Json[] };
      expect(lastRequest()).toMatchObject({ method: 'GET', apiPath: '/files/reports/2024', query: {} });
      expect(listing.items.map((item) => item.name)).toEqual(['drafts', 'q1.txt', 'q2.csv']);
      expect(listing.items[1]).toEqual({
        name: 'q1.txt',
        url: 'reports/2024/q1.txt',
        publicUrl: `${emulator.baseUrl}/files/reports/2024/q1.txt`,
        size: 5,
        createdOn: expect.any(Number),
      });
      const filtered = (await ok('BACKENDLESS_DIRECTORY_LISTING', { path: '/reports', pattern: '*.txt', sub: true, pagesize: 1, offset: 1 })) as {
        items: Json[];
      };
      expect(lastRequest().query).toEqual({ pattern: '*.txt', sub: 'true', pagesize: '1', offset: '1' });
      expect(filtered.items.map((item) => item.url)).toEqual(['reports/2024/q1.txt']);
      const root = (await ok('BACKENDLESS_DIRECTORY_LISTING', { path: '/' })) as { items: Json[] };
      expect(root.items.map((item) => item.name)).toEqual(['archive', 'backup', 'reports']);

      expect(await ok('BACKENDLESS_GET_FILE_COUNT', { path: '/reports/2024' })).toEqual({ count: 2 });
      expect(lastRequest()).toMatchObject({ apiPath: '/files/reports/2024', query: { action: 'count' } });
      expect(await ok('BACKENDLESS_GET_FILE_COUNT', { path: '/reports', sub: true, count_directories: true })).toEqual({ count: 5 });
      expect(lastRequest().query).toEqual({ action: 'count', sub: 'true', countDirectories: 'true' });
      expect(await ok('BACKENDLESS_GET_FILE_COUNT', { path: '/reports', sub: true, pattern: 'regex:q\\d\\.txt' })).toEqual({ count: 2 });
      await failsUpstream('BACKENDLESS_GET_FILE_COUNT', { path: '/no-such-dir' }, 6000, 404);
      await failsUpstream('BACKENDLESS_GET_FILE_COUNT', { path: '/reports/2024/q1.txt' }, 8010, 400);

      expect(await ok('BACKENDLESS_DELETE_FILE', { relative_path: 'reports/2024/q2.csv' })).toEqual({
        message: 'File deleted.',
        relative_path: 'reports/2024/q2.csv',
      });
      expect(lastRequest()).toMatchObject({ method: 'DELETE', apiPath: '/files/reports/2024/q2.csv' });
      expect(emulator.state.files.get('reports/2024/q2.csv')).toBeUndefined();
      await failsUpstream('BACKENDLESS_DELETE_FILE', { relative_path: 'reports/2024/q2.csv' }, 6000, 404);

      expect(await ok('BACKENDLESS_DELETE_DIRECTORY', { directory_path: 'reports' })).toEqual({
        status: 'deleted',
        http_code: 200,
        detail: expect.stringContaining('deleted'),
        directory_path: 'reports',
      });
      expect(lastRequest()).toMatchObject({ method: 'DELETE', apiPath: '/files/reports' });
      expect(emulator.state.files.get('reports/2024/drafts/q3.txt')).toBeUndefined();
      await failsUpstream('BACKENDLESS_DIRECTORY_LISTING', { path: '/reports' }, 6000, 404);
      await failsUpstream('BACKENDLESS_DELETE_DIRECTORY', { directory_path: 'reports' }, 6000, 404);
    });

    it('encodes path segments and refuses paths with the wrong leading slash or dot segments', async () => {
      emulator.state.putFile('my docs/a b.txt', 'x');
      expect(await ok('BACKENDLESS_GET_FILE_COUNT', { path: '/my docs' })).toEqual({ count: 1 });
      expect(lastRequest().path).toBe(`/${emulator.appId}/${emulator.restApiKey}/files/my%20docs`);

      const refused: Array<[string, Json, string]> = [
        ['BACKENDLESS_DELETE_FILE', { relative_path: '/my docs/a b.txt' }, 'relative_path'],
        ['BACKENDLESS_DELETE_FILE', { relative_path: '../data/Users/123' }, 'relative_path'],
        ['BACKENDLESS_CREATE_DIRECTORY', { directory_path: '/new' }, 'directory_path'],
        ['BACKENDLESS_DELETE_DIRECTORY', { directory_path: 'a/../../users' }, 'directory_path'],
        ['BACKENDLESS_DIRECTORY_LISTING', { path: 'my docs' }, 'path'],
        ['BACKENDLESS_DIRECTORY_LISTING', { path: '/..' }, 'path'],
        ['BACKENDLESS_GET_FILE_COUNT', { path: '/a/./b' }, 'path'],
        ['BACKENDLESS_COPY_FILE', { source_path: 'relative.txt', target_path: '/x' }, 'source_path'],
        ['BACKENDLESS_MOVE_FILE', { source_path: '/a.txt', target_path: 'x' }, 'target_path'],
        ['BACKENDLESS_USER_FIND', { user_id: '..' }, 'user_id'],
      ];
      for (const [slug, args, field] of refused) {
        const response = await api('POST', `/v1/tools/${slug}/execute`, { user_id: 'ada', arguments: args });
        expect(response.statusCode, `${slug} ${JSON.stringify(args)}`).toBe(400);
        expect(response.json().error).toMatchObject({
          code: 'VALIDATION_FAILED',
          details: { issues: [{ field, message: expect.stringContaining('pattern') }] },
        });
      }
      expect(emulator.requests).toHaveLength(1);
    });
  });

  describe('data', () => {
    beforeAll(() => {
      const people = [
        { name: 'Alice', age: 34, city: 'London' },
        { name: 'Bob', age: 27, city: 'Paris' },
        { name: 'Carol', age: 45, city: 'London' },
        { name: 'Dave', age: 52, city: 'Berlin' },
        { name: 'Eve', age: 31, city: 'London' },
      ];
      for (const [index, person] of people.entries()) emulator.state.insert('Person', { ...person, created: 1_700_000_000_000 + index });
    });

    it('retrieves objects with where, sortBy, props and paging', async () => {
      const all = (await ok('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', { table_name: 'Person' })) as { objects: Json[] };
      expect(all.objects).toHaveLength(5);
      expect(all.objects[0]).toMatchObject({ ___class: 'Person', objectId: expect.any(String), created: expect.any(Number), ownerId: null });
      expect(lastRequest()).toMatchObject({ apiPath: '/data/Person', query: { pageSize: '10' } });

      const args = { table_name: 'Person', where: "age > 30 AND city = 'London'", sortBy: 'age desc', props: 'name,age', pageSize: 2 };
      const firstPage = (await ok('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', args)) as { objects: Json[] };
      expect(lastRequest().query).toEqual({ where: "age > 30 AND city = 'London'", sortBy: 'age desc', props: 'name,age', pageSize: '2' });
      expect(firstPage.objects).toEqual([
        { ___class: 'Person', name: 'Carol', age: 45 },
        { ___class: 'Person', name: 'Alice', age: 34 },
      ]);
      const secondPage = (await ok('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', { ...args, offset: 2 })) as { objects: Json[] };
      expect(secondPage.objects).toEqual([{ ___class: 'Person', name: 'Eve', age: 31 }]);
      const thirdPage = (await ok('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', { ...args, offset: 4 })) as { objects: Json[] };
      expect(thirdPage.objects).toEqual([]);

      const grouped = (await ok('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', {
        table_name: 'Person',
        props: 'city,Count(objectId) as people',
        groupBy: 'city',
        having: 'Count(objectId) > 1',
      })) as { objects: Json[] };
      expect(grouped.objects).toEqual([{ ___class: 'Person', city: 'London', people: 3 }]);

      const distinct = (await ok('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', {
        table_name: 'Person',
        props: 'city',
        distinct: true,
        sortBy: 'city',
        excludeProps: '___class',
      })) as {
        objects: Json[];
      };
      expect(distinct.objects).toEqual([{ city: 'Berlin' }, { city: 'London' }, { city: 'Paris' }]);
      expect(lastRequest().query).toMatchObject({ distinct: 'true', excludeProps: '___class' });
    });

    it('applies the "user-token" argument and reports upstream query errors', async () => {
      await ok('BACKENDLESS_USER_REGISTRATION', { email: 'reader@example.com', password: 'pw' });
      const token = ((await ok('BACKENDLESS_USER_LOGIN', { login: 'reader@example.com', password: 'pw' })) as Json)['user-token'] as string;
      const mine = (await ok('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', { table_name: 'Person', 'user-token': token, pageSize: 1 })) as { objects: Json[] };
      expect(mine.objects).toHaveLength(1);
      expect(lastRequest().headers['user-token']).toBe('[redacted]');
      await failsUpstream('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', { table_name: 'Person', 'user-token': 'expired-token' }, 3064, 401);
      await failsUpstream('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', { table_name: 'Nope' }, 1009, 404);
      const invalid = await failsUpstream('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', { table_name: 'Person', where: 'salary > 10' }, 1017, 400);
      expect(invalid.error).toContain('salary');
      const tooBig = await api('POST', '/v1/tools/BACKENDLESS_GENERAL_OBJECT_RETRIEVAL/execute', {
        user_id: 'ada',
        arguments: { table_name: 'Person', pageSize: 500 },
      });
      expect(tooBig.statusCode).toBe(400);
      expect(tooBig.json().error.details.issues[0].field).toBe('pageSize');
    });
  });

  describe('permissions', () => {
    it('grants an object permission to a user and revokes a table permission from a user or a role', async () => {
      const user = (await ok('BACKENDLESS_USER_REGISTRATION', { email: 'perm@example.com', password: 'pw' })) as Json;
      const order = emulator.state.insert('Order', { total: 10 });

      const granted = await ok('BACKENDLESS_USER_GRANT_PERMISSION', {
        table_name: 'Order',
        object_id: order.objectId,
        user: user.objectId,
        permission: 'FIND',
      });
      expect(granted).toEqual({ message: 'Permission granted.', table_name: 'Order', object_id: order.objectId, user: user.objectId, permission: 'FIND' });
      expect(lastRequest()).toMatchObject({
        method: 'PUT',
        apiPath: `/data/Order/permissions/GRANT/${order.objectId}`,
        body: { permission: 'FIND', user: user.objectId },
      });
      expect(emulator.state.permissions).toContainEqual(
        expect.objectContaining({ table: 'Order', objectId: order.objectId, type: 'GRANT', permission: 'FIND', user: user.objectId }),
      );

      expect(await ok('BACKENDLESS_USER_REVOKE_PERMISSION', { table_name: 'Order', permission: 'ADD', user: user.objectId })).toEqual({
        message: 'Permission revoked.',
        table_name: 'Order',
        permission: 'ADD',
        user: user.objectId,
      });
      expect(lastRequest()).toMatchObject({ method: 'PUT', apiPath: '/data/Order/permissions/DENY', body: { permission: 'ADD', user: user.objectId } });
      expect(await ok('BACKENDLESS_USER_REVOKE_PERMISSION', { table_name: 'Order', permission: '*', role: 'NotAuthenticatedUser' })).toEqual({
        message: 'Permission revoked.',
        table_name: 'Order',
        permission: '*',
        role: 'NotAuthenticatedUser',
      });
      expect(emulator.state.permissions).toContainEqual(
        expect.objectContaining({ table: 'Order', objectId: null, type: 'DENY', permission: '*', role: 'NotAuthenticatedUser' }),
      );
    });

    it('reports missing targets and refuses unknown permissions', async () => {
      const order = emulator.state.insert('Order', { total: 20 });
      await failsUpstream(
        'BACKENDLESS_USER_GRANT_PERMISSION',
        { table_name: 'Order', object_id: order.objectId, user: 'NO-SUCH-USER', permission: 'UPDATE' },
        6007,
        404,
      );
      await failsUpstream('BACKENDLESS_USER_REVOKE_PERMISSION', { table_name: 'Order', permission: 'FIND' }, 8010, 400);
      const addOnObject = await api('POST', '/v1/tools/BACKENDLESS_USER_GRANT_PERMISSION/execute', {
        user_id: 'ada',
        arguments: { table_name: 'Order', object_id: order.objectId, user: '*', permission: 'ADD' },
      });
      expect(addOnObject.statusCode).toBe(400);
      expect(addOnObject.json().error.details.issues).toEqual([{ field: 'permission', message: expect.stringContaining('must be one of "UPDATE"') }]);
    });
  });

  describe('messaging', () => {
    it('publishes a message now, schedules one, and records the publishing user', async () => {
      const published = (await ok('BACKENDLESS_PUBLISH_MESSAGE', {
        channel_name: 'default',
        message: 'hello',
        headers: { city: 'Tokyo' },
        publisherId: 'agent',
      })) as Json;
      expect(published).toEqual({ status: 'published', messageId: expect.stringMatching(/^message:/) });
      expect(lastRequest()).toMatchObject({
        method: 'POST',
        apiPath: '/messaging/default',
        body: { message: 'hello', headers: { city: 'Tokyo' }, publisherId: 'agent' },
      });
      expect(emulator.state.messages.at(-1)).toMatchObject({
        messageId: published.messageId,
        channel: 'default',
        message: 'hello',
        headers: { city: 'Tokyo' },
      });

      await ok('BACKENDLESS_USER_REGISTRATION', { email: 'publisher@example.com', password: 'pw' });
      const login = (await ok('BACKENDLESS_USER_LOGIN', { login: 'publisher@example.com', password: 'pw' })) as Json;
      const scheduled = (await ok('BACKENDLESS_PUBLISH_MESSAGE', {
        channel_name: 'chat',
        message: { text: 'later' },
        publishAt: Date.now() + 3_600_000,
        repeatEvery: 60,
        repeatExpiresAt: Date.now() + 7_200_000,
        user_token: login['user-token'],
      })) as Json;
      expect(scheduled).toMatchObject({ status: 'scheduled' });
      expect(emulator.state.messages.at(-1)).toMatchObject({ channel: 'chat', message: { text: 'later' }, repeatEvery: 60, userId: login.objectId });
      await failsUpstream('BACKENDLESS_PUBLISH_MESSAGE', { channel_name: 'chat', message: 'x', user_token: 'logged-out-token' }, 3064, 401);
    });

    it('refuses a bad channel name and a missing message', async () => {
      const noMessage = await api('POST', '/v1/tools/BACKENDLESS_PUBLISH_MESSAGE/execute', { user_id: 'ada', arguments: { channel_name: 'default' } });
      expect(noMessage.statusCode).toBe(400);
      expect(noMessage.json().error.details.issues).toEqual([{ field: 'message', message: 'is required' }]);
      const badChannel = await api('POST', '/v1/tools/BACKENDLESS_PUBLISH_MESSAGE/execute', {
        user_id: 'ada',
        arguments: { channel_name: 'a/b', message: 'x' },
      });
      expect(badChannel.json().error.details.issues[0].field).toBe('channel_name');
      expect(emulator.requests).toHaveLength(0);
    });
  });

  describe('timers (Console API)', () => {
    it('creates, reads, updates and deletes a timer with the console auth key', async () => {
      const startDate = Date.UTC(2030, 0, 1, 3, 0, 0);
      const created = (await ok('BACKENDLESS_CREATE_TIMER', {
        name: 'nightly-cleanup',
        frequency: { schedule: 'daily', repeat: { every: 1 } },
        startDate,
      })) as Json;
      expect(created).toMatchObject({
        id: 'nightly-cleanup',
        name: 'nightly-cleanup',
        frequency: { schedule: 'daily', repeat: { every: 1 } },
        startDate,
        nextRun: startDate,
        expire: null,
      });
      expect(lastRequest()).toMatchObject({
        method: 'POST',
        path: `/${emulator.appId}/console/servercode/production/timers`,
        headers: { 'auth-key': '[redacted]' },
        body: { name: 'nightly-cleanup', frequency: { schedule: 'daily', repeat: { every: 1 } }, startDate },
      });
      expect(emulator.state.timersOf('production').has('nightly-cleanup')).toBe(true);
      await failsUpstream('BACKENDLESS_CREATE_TIMER', { name: 'nightly-cleanup', frequency: { schedule: 'once' } }, 6018, 400);

      expect(await ok('BACKENDLESS_GET_TIMER', { name: 'nightly-cleanup' })).toMatchObject({ id: 'nightly-cleanup', nextRun: startDate, enabled: true });
      expect(lastRequest()).toMatchObject({ method: 'GET', path: `/${emulator.appId}/console/servercode/production/timers/nightly-cleanup` });

      const expire = Date.UTC(2031, 0, 1);
      const updated = (await ok('BACKENDLESS_UPDATE_TIMER', {
        name: 'nightly-cleanup',
        frequency: { schedule: 'weekly', repeat: { every: 1 }, weekdays: ['MO', 'FR'] },
        expire,
        code: "console.log('cleanup')",
      })) as Json;
      expect(updated).toMatchObject({
        id: 'nightly-cleanup',
        frequency: { schedule: 'weekly', weekdays: ['MO', 'FR'] },
        expire,
        code: "console.log('cleanup')",
      });
      expect(lastRequest()).toMatchObject({ method: 'PUT', body: { frequency: { schedule: 'weekly' }, expire, code: "console.log('cleanup')" } });
      expect(lastRequest().body).not.toHaveProperty('name');
      expect(await ok('BACKENDLESS_UPDATE_TIMER', { name: 'nightly-cleanup', expire: null })).toMatchObject({ expire: null });

      expect(await ok('BACKENDLESS_DELETE_TIMER', { timer_name: 'nightly-cleanup' })).toEqual({ message: 'Timer deleted.', timer_name: 'nightly-cleanup' });
      expect(lastRequest()).toMatchObject({ method: 'DELETE', path: `/${emulator.appId}/console/servercode/production/timers/nightly-cleanup` });
      expect(emulator.state.timersOf('production').has('nightly-cleanup')).toBe(false);
      await failsUpstream('BACKENDLESS_GET_TIMER', { name: 'nightly-cleanup' }, 6007, 404);
      await failsUpstream('BACKENDLESS_DELETE_TIMER', { timer_name: 'nightly-cleanup' }, 6007, 404);
      await failsUpstream('BACKENDLESS_UPDATE_TIMER', { name: 'nightly-cleanup', code: 'x' }, 6007, 404);
    });

    it('validates schedules locally and upstream', async () => {
      const noRepeat = await api('POST', '/v1/tools/BACKENDLESS_CREATE_TIMER/execute', {
        user_id: 'ada',
        arguments: { name: 'every-minute', frequency: { schedule: 'custom' } },
      });
      expect(noRepeat.statusCode).toBe(400);
      expect(noRepeat.json().error.details.issues).toContainEqual({ field: 'frequency.repeat', message: 'is required' });
      const hourly = await api('POST', '/v1/tools/BACKENDLESS_CREATE_TIMER/execute', {
        user_id: 'ada',
        arguments: { name: 'h', frequency: { schedule: 'hourly' } },
      });
      expect(hourly.json().error.details.issues).toEqual([
        { field: 'frequency.schedule', message: 'must be one of "once", "custom", "daily", "weekly", "monthly"' },
      ]);
      expect(emulator.requests).toHaveLength(0);

      const tooOften = await failsUpstream(
        'BACKENDLESS_CREATE_TIMER',
        { name: 'every-second', frequency: { schedule: 'custom', repeat: { every: 1 } } },
        8010,
        400,
      );
      expect(tooOften.error).toContain('minimum');
      const created = (await ok('BACKENDLESS_CREATE_TIMER', { name: 'every-minute', frequency: { schedule: 'custom', repeat: { every: 60 } } })) as Json;
      expect(created).toMatchObject({ frequency: { schedule: 'custom', repeat: { every: 60 } }, nextRun: expect.any(Number) });
      await failsUpstream('BACKENDLESS_UPDATE_TIMER', { name: 'every-minute' }, 8010, 400);
      await ok('BACKENDLESS_DELETE_TIMER', { timer_name: 'every-minute' });
    });

    it('fails with a clear upstream 401 when the account has no console auth key', async () => {
      await connect('bob', { app_id: emulator.appId, rest_api_key: emulator.restApiKey });
      const result = await failsUpstream('BACKENDLESS_GET_TIMER', { name: 'anything' }, 3064, 401, 'bob');
      expect(result.error).toContain('auth-key');
      expect(lastRequest().headers).not.toHaveProperty('auth-key');
      await failsUpstream('BACKENDLESS_CREATE_TIMER', { name: 'sneaky', frequency: { schedule: 'once' } }, 3064, 401, 'bob');
      expect(emulator.state.timersOf('production').has('sneaky')).toBe(false);
      // The app API still works for this account.
      expect(await ok('BACKENDLESS_GET_COUNTER_VALUE', { counter_name: 'bob-counter' }, 'bob')).toEqual({ current: 0 });
    });
  });

  describe('connection and transport failures', () => {
    it('reports a wrong REST API key as upstream code 2002', async () => {
      await connect('mallory', { app_id: emulator.appId, rest_api_key: 'WRONG-KEY-0000' });
      const result = await failsUpstream('BACKENDLESS_GET_COUNTER_VALUE', { counter_name: 'visits' }, 2002, 401, 'mallory');
      expect(result.error).toContain('wrong application info');
      expect(lastRequest().path).toBe(`/${emulator.appId}/WRONG-KEY-0000/counters/visits`);
      await failsUpstream('BACKENDLESS_VALIDATE_USER_TOKEN', { userToken: 'any' }, 2002, 401, 'mallory');
      await failsUpstream('BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', { table_name: 'Person' }, 2002, 401, 'mallory');
      await failsUpstream('BACKENDLESS_DIRECTORY_LISTING', { path: '/' }, 2002, 401, 'mallory');
    });

    it('retries a read tool after an injected 503, but not the non-idempotent compare-and-set', async () => {
      emulator.state.setCounter('retry-me', 3);
      emulator.failNext({ status: 503 });
      const read = await run('BACKENDLESS_GET_COUNTER_VALUE', { counter_name: 'retry-me' });
      expect(read).toMatchObject({ successful: true, data: { current: 3 } });
      expect(emulator.requests).toHaveLength(2);
      const log = (await api('GET', `/v1/execution-logs/${read.log_id}`)).json() as Json;
      expect(log).toMatchObject({ successful: true, attempts: 2, http_status: 200 });

      emulator.requests.length = 0;
      emulator.failNext({ status: 503 });
      const cas = await run('BACKENDLESS_SET_COUNTER_VALUE', { counter_name: 'retry-me', expected: 3, updatedvalue: 4 });
      expect(cas).toMatchObject({ successful: false, error_code: 'UPSTREAM_UNAVAILABLE', error_details: { status: 503, attempts: 1 } });
      expect(emulator.requests).toHaveLength(1);
      expect(emulator.state.counters.get('retry-me')).toBe(3);
    });

    it('turns a garbage upstream body into a typed error', async () => {
      emulator.failNext({ garbage: true });
      const result = await run('BACKENDLESS_USER_LOGIN', { login: 'x@example.com', password: 'pw' });
      expect(result).toMatchObject({ successful: false, error_code: 'UPSTREAM_INVALID_RESPONSE' });
    });
  });
});
