import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BackendlessEmulator, startBackendlessEmulator } from './backendless/index.js';

interface CallOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  /** Sent as is (no JSON encoding, no content type). */
  rawBody?: string;
  /** Absolute URL instead of `baseUrl + path`. */
  absolute?: boolean;
}

interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  data: unknown;
}

/** Plain fetch against the emulator; JSON bodies get `Content-Type: application/json`. */
async function call(emu: BackendlessEmulator, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token) headers['user-token'] = options.token;
  const response = await fetch(options.absolute ? path : `${emu.baseUrl}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let data: unknown;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    data = undefined;
  }
  return { status: response.status, headers: response.headers, text, data };
}

function expectError(result: CallResult, status: number, code: number): void {
  expect({ status: result.status, code: (result.data as { code?: number } | undefined)?.code }).toEqual({ status, code });
  expect(typeof (result.data as { message?: unknown }).message).toBe('string');
}

describe('Backendless emulator: users', () => {
  let emu: BackendlessEmulator;
  beforeAll(async () => {
    emu = await startBackendlessEmulator();
  });
  afterAll(() => emu.close());

  it('registers, logs in, validates, updates, finds and logs out', async () => {
    const registered = await call(emu, 'POST', '/users/register', { body: { email: 'ada@example.com', password: 'pw-1', name: 'Ada' } });
    expect(registered.status).toBe(200);
    const user = registered.data as Record<string, unknown>;
    expect(user).toMatchObject({ email: 'ada@example.com', name: 'Ada', ___class: 'Users', userStatus: 'ENABLED' });
    expect(user).not.toHaveProperty('password');
    expect(user).not.toHaveProperty('user-token');
    const id = user.objectId as string;

    const login = await call(emu, 'POST', '/users/login', { body: { login: 'ada@example.com', password: 'pw-1' } });
    expect(login.status).toBe(200);
    const token = (login.data as Record<string, unknown>)['user-token'] as string;
    expect(token).toMatch(/^[0-9A-F-]{36}$/);
    expect(login.data).toMatchObject({ objectId: id, email: 'ada@example.com' });

    expect((await call(emu, 'GET', `/users/isvalidusertoken/${token}`)).data).toBe(true);

    const updated = await call(emu, 'PUT', `/users/${id}`, { token, body: { name: 'Ada L.', city: 'London' } });
    expect(updated.status).toBe(200);
    expect(updated.data).toMatchObject({ objectId: id, name: 'Ada L.', city: 'London' });
    expect((updated.data as { updated: unknown }).updated).toEqual(expect.any(Number));

    const found = await call(emu, 'GET', `/data/Users/${id}`);
    expect(found.data).toMatchObject({ objectId: id, name: 'Ada L.', city: 'London' });
    expect(found.data).not.toHaveProperty('password');
    expect((await call(emu, 'GET', `/users/${id}?props=name`)).data).toEqual({ ___class: 'Users', name: 'Ada L.' });

    const logout = await call(emu, 'GET', '/users/logout', { token });
    expect(logout.status).toBe(200);
    expect(logout.text).toBe('');
    expect((await call(emu, 'GET', `/users/isvalidusertoken/${token}`)).data).toBe(false);
    expectError(await call(emu, 'GET', '/users/logout', { token }), 401, 3023);
    expectError(await call(emu, 'GET', '/users/logout'), 401, 3023);
    expectError(await call(emu, 'PUT', `/users/${id}`, { token, body: { name: 'x' } }), 401, 3064);
  });

  it('changes a password through PUT /users/{id} and logs in with the new one', async () => {
    const { data } = await call(emu, 'POST', '/users/register', { body: { email: 'bob@example.com', password: 'old-pw' } });
    const id = (data as { objectId: string }).objectId;
    const token = ((await call(emu, 'POST', '/users/login', { body: { login: 'bob@example.com', password: 'old-pw' } })).data as Record<string, string>)[
      'user-token'
    ]!;
    const changed = await call(emu, 'PUT', `/users/${id}`, { token, body: { password: 'new-pw' } });
    expect(changed.status).toBe(200);
    expect(changed.data).not.toHaveProperty('password');
    expectError(await call(emu, 'POST', '/users/login', { body: { login: 'bob@example.com', password: 'old-pw' } }), 401, 3003);
    expect((await call(emu, 'POST', '/users/login', { body: { login: 'BOB@example.com', password: 'new-pw' } })).status).toBe(200);
  });

  it('rejects bad registrations, logins and updates with Backendless codes', async () => {
    expectError(await call(emu, 'POST', '/users/register', { body: { email: 'ada@example.com', password: 'x' } }), 400, 3033);
    expectError(await call(emu, 'POST', '/users/register', { body: { email: 'nobody@example.com' } }), 400, 8010);
    expectError(await call(emu, 'POST', '/users/register', { body: { email: 'not-an-email', password: 'x' } }), 400, 3040);
    expectError(await call(emu, 'POST', '/users/login', { body: { login: 'ada@example.com', password: 'wrong' } }), 401, 3003);
    expectError(await call(emu, 'POST', '/users/login', { body: { login: '', password: '' } }), 400, 3006);

    const ada = emu.state.findUserByIdentity('ada@example.com')!;
    const carol = emu.state.addUser({ email: 'carol@example.com', password: 'pw' });
    const carolToken = emu.state.createSession(carol.objectId);
    expectError(await call(emu, 'PUT', `/users/${ada.objectId}`, { body: { name: 'x' } }), 401, 3028);
    expectError(await call(emu, 'PUT', `/users/${ada.objectId}`, { token: carolToken, body: { name: 'x' } }), 403, 4000);
    expectError(await call(emu, 'PUT', `/users/${carol.objectId}`, { token: carolToken, body: { email: 'ada@example.com' } }), 400, 3018);
    expectError(await call(emu, 'GET', '/users/NOPE'), 404, 1000);
  });

  it('records password recovery emails and deletes users', async () => {
    const recovery = await call(emu, 'GET', `/users/restorepassword/${encodeURIComponent('ada@example.com')}`);
    expect(recovery.status).toBe(200);
    expect(emu.state.sentEmails).toEqual([expect.objectContaining({ kind: 'restorepassword', to: 'ada@example.com' })]);
    expectError(await call(emu, 'GET', '/users/restorepassword/ghost%40example.com'), 404, 3020);

    const dave = emu.state.addUser({ email: 'dave@example.com', password: 'pw' });
    const token = emu.state.createSession(dave.objectId);
    const deleted = await call(emu, 'DELETE', `/data/Users/${dave.objectId}`);
    expect(deleted.data).toEqual({ deletionTime: expect.any(Number) });
    expect(emu.state.sessionFor(token)).toBeUndefined();
    expectError(await call(emu, 'GET', `/data/Users/${dave.objectId}`), 404, 1000);
    expectError(await call(emu, 'DELETE', `/data/Users/${dave.objectId}`), 404, 1000);
  });
});

describe('Backendless emulator: hive and counters', () => {
  let emu: BackendlessEmulator;
  beforeAll(async () => {
    emu = await startBackendlessEmulator();
  });
  afterAll(() => emu.close());

  it('creates hives, puts map entries and reads all values', async () => {
    expect((await call(emu, 'POST', '/hive/shop')).status).toBe(200);
    expectError(await call(emu, 'POST', '/hive/shop'), 400, 6018);
    expectError(await call(emu, 'POST', '/hive/bad%20name'), 400, 8010);
    expect((await call(emu, 'GET', '/hive')).data).toEqual(['shop']);

    expect((await call(emu, 'PUT', '/hive/shop/map/prices', { body: { apple: 1, pear: 2 } })).data).toBe(2);
    expect((await call(emu, 'PUT', '/hive/shop/map/prices', { body: { pear: 3, plum: 4 } })).data).toBe(1);
    expect((await call(emu, 'GET', '/hive/shop/map/prices')).data).toEqual({ apple: 1, pear: 3, plum: 4 });
    expect((await call(emu, 'GET', '/hive/shop/map/prices/values')).data).toEqual([1, 3, 4]);
    expect((await call(emu, 'GET', '/hive/shop/map/empty')).data).toEqual({});
    expectError(await call(emu, 'PUT', '/hive/shop/map/prices', { body: [1] }), 400, 8010);
    expectError(await call(emu, 'GET', '/hive/nope/map/prices/values'), 404, 6007);
  });

  it('adds list items and reads all, single (negative) and ranges', async () => {
    expect((await call(emu, 'PUT', '/hive/shop/list/queue/add-last', { body: ['a', 'b', 'c'] })).data).toBe(3);
    expect((await call(emu, 'PUT', '/hive/shop/list/queue/add-last', { body: ['d', { e: 5 }] })).data).toBe(5);
    expect((await call(emu, 'GET', '/hive/shop/list/queue')).data).toEqual(['a', 'b', 'c', 'd', { e: 5 }]);
    expect((await call(emu, 'GET', '/hive/shop/list/queue/1')).data).toBe('b');
    expect((await call(emu, 'GET', '/hive/shop/list/queue/-1')).data).toEqual({ e: 5 });
    expect((await call(emu, 'GET', '/hive/shop/list/queue/99')).data).toBeNull();
    expect((await call(emu, 'GET', '/hive/shop/list/queue?from=1&to=3')).data).toEqual(['b', 'c', 'd']);
    expect((await call(emu, 'GET', '/hive/shop/list/queue?from=-2&to=-1')).data).toEqual(['d', { e: 5 }]);
    expectError(await call(emu, 'GET', '/hive/shop/list/queue/x'), 400, 8010);
    expectError(await call(emu, 'GET', '/hive/nope/list/queue'), 404, 6007);
  });

  it('reads, compares-and-sets and resets counters', async () => {
    expect((await call(emu, 'GET', '/counters/visits')).data).toBe(0);
    emu.state.setCounter('visits', 41);
    expect((await call(emu, 'PUT', '/counters/visits/increment/get')).data).toBe(42);
    expect((await call(emu, 'PUT', '/counters/visits/get/compareandset?expected=42&updatedvalue=100')).data).toBe(true);
    expect((await call(emu, 'GET', '/counters/visits')).data).toBe(100);
    expect((await call(emu, 'PUT', '/counters/visits/get/compareandset?expected=42&updatedvalue=7')).data).toBe(false);
    expect((await call(emu, 'GET', '/counters/visits')).data).toBe(100);
    const reset = await call(emu, 'PUT', '/counters/visits/reset');
    expect([reset.status, reset.text]).toEqual([200, '']);
    expect((await call(emu, 'GET', '/counters/visits')).data).toBe(0);
    expectError(await call(emu, 'PUT', '/counters/visits/get/compareandset?expected=0'), 400, 8010);
    expectError(await call(emu, 'PUT', '/counters/visits/get/compareandset?expected=zero&updatedvalue=1'), 400, 8010);
  });
});

describe('Backendless emulator: files', () => {
  let emu: BackendlessEmulator;
  beforeAll(async () => {
    emu = await startBackendlessEmulator();
  });
  afterAll(() => emu.close());

  it('creates directories, copies, moves, lists, counts and deletes', async () => {
    const created = await call(emu, 'POST', '/files/docs/2024/');
    expect([created.status, created.text]).toEqual([200, '']);
    expect(emu.state.files.isDirectory('docs/2024')).toBe(true);
    expectError(await call(emu, 'POST', '/files/docs/2024/'), 400, 6018);
    expectError(await call(emu, 'POST', "/files/docs/it's/"), 400, 6006);
    expectError(await call(emu, 'POST', '/files/docs/a%3Cb/'), 400, 6006);

    emu.state.putFile('docs/2024/report.txt', 'hello');
    emu.state.putFile('docs/notes.md', '# notes');
    emu.state.putFile('docs/2024/deep/data.json', '{"a":1}');

    const copied = await call(emu, 'PUT', '/files/copy', { body: { sourcePath: '/docs/2024/report.txt', targetPath: '/backup/daily' } });
    expect(copied.data).toBe('/backup/daily/report.txt');
    expect(emu.state.readFile('backup/daily/report.txt')).toBe('hello');
    expect(emu.state.readFile('docs/2024/report.txt')).toBe('hello');
    expectError(await call(emu, 'PUT', '/files/copy', { body: { sourcePath: '/docs/2024/report.txt', targetPath: '/backup/daily' } }), 400, 6018);
    expectError(await call(emu, 'PUT', '/files/copy', { body: { sourcePath: '/missing.txt', targetPath: '/backup' } }), 404, 6000);
    expectError(await call(emu, 'PUT', '/files/copy', { body: { sourcePath: '/docs/notes.md' } }), 400, 8010);
    expectError(await call(emu, 'PUT', '/files/copy', { body: { sourcePath: '/docs/notes.md', targetPath: '/docs/../etc' } }), 400, 6006);

    const moved = await call(emu, 'PUT', '/files/move', { body: { sourcePath: '/docs/notes.md', targetPath: '/archive' } });
    expect(moved.data).toBe('/archive/notes.md');
    expect(emu.state.readFile('docs/notes.md')).toBeUndefined();
    expectError(await call(emu, 'PUT', '/files/move', { body: { sourcePath: '/docs', targetPath: '/docs/2024' } }), 400, 6006);

    const listing = await call(emu, 'GET', '/files/docs');
    expect(listing.data).toEqual([{ name: '2024', url: 'docs/2024', publicUrl: `${emu.baseUrl}/files/docs/2024`, size: 0, createdOn: expect.any(Number) }]);
    const recursive = (await call(emu, 'GET', '/files/docs?sub=true&pattern=*.txt')).data as Array<{ name: string; url: string; size: number }>;
    expect(recursive.map((item) => [item.name, item.url, item.size])).toEqual([['report.txt', 'docs/2024/report.txt', 5]]);
    const paged = (await call(emu, 'GET', '/files/docs?sub=true&pagesize=2&offset=1')).data as Array<{ url: string }>;
    expect(paged.map((item) => item.url)).toEqual(['docs/2024/deep', 'docs/2024/deep/data.json']);

    expect((await call(emu, 'GET', '/files/docs?action=count&sub=true')).data).toBe(2);
    expect((await call(emu, 'GET', '/files/docs?action=count&sub=true&countDirectories=true')).data).toBe(4);
    expect((await call(emu, 'GET', '/files/docs?action=count&sub=true&pattern=glob:*.json')).data).toBe(1);
    expect((await call(emu, 'GET', `/files/docs?action=count&sub=true&pattern=${encodeURIComponent('regex:.*\\.(txt|json)')}`)).data).toBe(2);
    expect((await call(emu, 'GET', '/files/docs/2024/report.txt?action=exists')).data).toBe(true);

    const download = await call(emu, 'GET', '/files/docs/2024/report.txt');
    expect([download.text, download.headers.get('content-type')]).toEqual(['hello', 'text/plain']);

    expect((await call(emu, 'DELETE', '/files/docs/2024/report.txt')).status).toBe(200);
    expectError(await call(emu, 'DELETE', '/files/docs/2024/report.txt'), 404, 6000);
    expect((await call(emu, 'DELETE', '/files/docs')).status).toBe(200);
    expect(emu.state.files.all().map((entry) => entry.path)).toEqual(['archive', 'archive/notes.md', 'backup', 'backup/daily', 'backup/daily/report.txt']);
    expectError(await call(emu, 'GET', '/files/docs'), 404, 6000);
  });
});

describe('Backendless emulator: data and permissions', () => {
  let emu: BackendlessEmulator;
  beforeAll(async () => {
    emu = await startBackendlessEmulator();
    const people: Array<[string, number, string]> = [
      ['Ann', 31, 'Oslo'],
      ['Ben', 25, 'Rome'],
      ['Cid', 40, 'Oslo'],
      ['Dee', 19, 'Lima'],
      ['Eve', 25, "O'Hare"],
    ];
    const oslo = emu.state.insert('Address', { city: 'Oslo', zip: '0150' });
    for (const [index, [name, age, city]] of people.entries()) {
      emu.state.insert('Person', { name, age, city, created: 1_000 + index, address: { ___class: 'Address', objectId: oslo.objectId } });
    }
  });
  afterAll(() => emu.close());

  const names = (result: CallResult) => (result.data as Array<{ name: string }>).map((row) => row.name);
  const query = (params: Record<string, string>) => `/data/Person?${new URLSearchParams(params)}`;

  it('filters with where, sorts and pages', async () => {
    expect(names(await call(emu, 'GET', '/data/Person'))).toEqual(['Ann', 'Ben', 'Cid', 'Dee', 'Eve']);
    expect(names(await call(emu, 'GET', query({ where: "city = 'Oslo' AND age > 35" })))).toEqual(['Cid']);
    expect(names(await call(emu, 'GET', query({ where: "age <= 19 OR name LIKE 'b%'" })))).toEqual(['Ben', 'Dee']);
    expect(names(await call(emu, 'GET', query({ where: "city != 'Oslo' AND (age >= 25 AND age < 26)" })))).toEqual(['Ben', 'Eve']);
    expect(names(await call(emu, 'GET', query({ where: "city = 'O''Hare'" })))).toEqual(['Eve']);
    expect(names(await call(emu, 'GET', query({ where: "address.city = 'Oslo' AND age IN (19, 40)" })))).toEqual(['Cid', 'Dee']);
    expect(names(await call(emu, 'GET', query({ sortBy: 'age desc,name', pageSize: '2', offset: '1' })))).toEqual(['Ann', 'Ben']);
    expect(names(await call(emu, 'GET', query({ sortBy: 'age,name desc' })))).toEqual(['Dee', 'Eve', 'Ben', 'Ann', 'Cid']);
    expect((await call(emu, 'GET', '/data/Person/count?where=age%3E30')).data).toBe(2);
  });

  it('shapes results: system columns, props, excludeProps, relations, groupBy', async () => {
    const [first] = (await call(emu, 'GET', query({ pageSize: '1' }))).data as Array<Record<string, unknown>>;
    expect(first).toEqual({
      name: 'Ann',
      age: 31,
      city: 'Oslo',
      objectId: expect.any(String),
      ___class: 'Person',
      created: 1000,
      updated: null,
      ownerId: null,
    });
    expect((await call(emu, 'GET', query({ props: 'name,age', pageSize: '1' }))).data).toEqual([{ ___class: 'Person', name: 'Ann', age: 31 }]);
    const withRelation = (await call(emu, 'GET', query({ loadRelations: 'address', excludeProps: 'objectId,created', pageSize: '1' }))).data as Array<
      Record<string, unknown>
    >;
    expect(withRelation[0]).toMatchObject({ name: 'Ann', address: { city: 'Oslo', zip: '0150', ___class: 'Address' } });
    expect(withRelation[0]).not.toHaveProperty('objectId');
    const grouped = await call(emu, 'GET', query({ props: 'city,Count(objectId) as people', groupBy: 'city', having: 'Count(objectId) > 1' }));
    expect(grouped.data).toEqual([{ ___class: 'Person', city: 'Oslo', people: 2 }]);
    expect((await call(emu, 'GET', query({ props: 'city', distinct: 'true', sortBy: 'city' }))).data).toEqual([
      { ___class: 'Person', city: 'Lima' },
      { ___class: 'Person', city: "O'Hare" },
      { ___class: 'Person', city: 'Oslo' },
      { ___class: 'Person', city: 'Rome' },
    ]);
  });

  it('rejects bad queries and unknown tables', async () => {
    expectError(await call(emu, 'GET', query({ pageSize: '101' })), 400, 1017);
    expectError(await call(emu, 'GET', query({ where: 'age >' })), 400, 1017);
    expectError(await call(emu, 'GET', query({ where: 'height > 3' })), 400, 1017);
    expectError(await call(emu, 'GET', '/data/Ghost'), 404, 1009);
    expectError(await call(emu, 'GET', '/data/Person/NOPE'), 404, 1000);
  });

  it('grants and denies object and table permissions', async () => {
    const person = emu.state.tables.get('Person')![0]!;
    const user = emu.state.addUser({ email: 'perm@example.com', password: 'pw' });
    const grant = await call(emu, 'PUT', `/data/Person/permissions/GRANT/${person.objectId}`, { body: { permission: 'FIND', user: user.objectId } });
    expect([grant.status, grant.text]).toEqual([200, '']);
    await call(emu, 'PUT', `/data/Person/permissions/DENY/${person.objectId}`, { body: { permission: 'FIND', user: user.objectId } });
    await call(emu, 'PUT', '/data/Person/permissions/DENY', { body: { permission: 'ADD', role: 'NotAuthenticatedUser' } });
    expect(emu.state.permissions).toEqual([
      expect.objectContaining({ table: 'Person', objectId: person.objectId, type: 'DENY', permission: 'FIND', user: user.objectId }),
      expect.objectContaining({ table: 'Person', objectId: null, type: 'DENY', permission: 'ADD', role: 'NotAuthenticatedUser' }),
    ]);

    expectError(await call(emu, 'PUT', `/data/Person/permissions/GRANT/${person.objectId}`, { body: { permission: 'ADD', user: '*' } }), 400, 8010);
    expectError(await call(emu, 'PUT', `/data/Person/permissions/GRANT/${person.objectId}`, { body: { permission: 'FIND' } }), 400, 8010);
    expectError(await call(emu, 'PUT', `/data/Person/permissions/GRANT/${person.objectId}`, { body: { user: '*' } }), 400, 8010);
    expectError(await call(emu, 'PUT', '/data/Person/permissions/GRANT/NOPE', { body: { permission: 'FIND', user: '*' } }), 404, 6007);
    expectError(await call(emu, 'PUT', '/data/Ghost/permissions/GRANT', { body: { permission: 'FIND', role: '*' } }), 404, 6007);
    expectError(await call(emu, 'PUT', '/data/Person/permissions/GRANT', { body: { permission: 'FIND', user: 'NOPE' } }), 404, 6007);
  });
});

describe('Backendless emulator: messaging', () => {
  let emu: BackendlessEmulator;
  beforeAll(async () => {
    emu = await startBackendlessEmulator();
  });
  afterAll(() => emu.close());

  it('publishes now and schedules for later', async () => {
    const now = await call(emu, 'POST', '/messaging/default', { body: { message: 'hi', headers: { kind: 'greeting' }, publisherId: 'bot' } });
    expect(now.data).toEqual({ status: 'published', messageId: expect.stringMatching(/^message:/) });
    const later = await call(emu, 'POST', '/messaging/news', { body: { message: { a: 1 }, publishAt: Date.now() + 60_000 } });
    expect(later.data).toMatchObject({ status: 'scheduled' });
    expect(emu.state.messages.map((message) => [message.channel, message.status, message.publisherId])).toEqual([
      ['default', 'published', 'bot'],
      ['news', 'scheduled', null],
    ]);
    const laterId = (later.data as { messageId: string }).messageId;
    expect((await call(emu, 'GET', `/messaging/${laterId}`)).data).toEqual({ messageId: laterId, status: 'scheduled', errorMessage: null });
    expectError(await call(emu, 'POST', '/messaging/default', { body: { headers: {} } }), 400, 8010);
  });
});

describe('Backendless emulator: timers (console API)', () => {
  const NOW = Date.UTC(2030, 0, 1, 12); // a Tuesday
  let emu: BackendlessEmulator;
  beforeAll(async () => {
    emu = await startBackendlessEmulator({ now: () => NOW });
  });
  afterAll(() => emu.close());

  const timers = (suffix = '') => `${emu.consoleUrl}/servercode/prod/timers${suffix}`;
  const consoleCall = (method: string, suffix: string, body?: unknown, key: string | null = emu.consoleAuthKey) =>
    call(emu, method, timers(suffix), { absolute: true, body, headers: key === null ? {} : { 'auth-key': key } });

  it('creates, reads, updates, lists and deletes timers with the auth-key', async () => {
    const created = await consoleCall('POST', '', {
      name: 'nightly',
      frequency: { schedule: 'daily', repeat: { every: 1 } },
      startDate: NOW + 3_600_000,
      code: 'x()',
    });
    expect(created.status).toBe(200);
    expect(created.data).toEqual({
      id: 'nightly',
      name: 'nightly',
      frequency: { schedule: 'daily', repeat: { every: 1 } },
      nextRun: NOW + 3_600_000,
      startDate: NOW + 3_600_000,
      expire: null,
      code: 'x()',
      enabled: true,
    });
    expectError(await consoleCall('POST', '', { name: 'nightly', frequency: { schedule: 'once' } }), 400, 6018);
    expect((await consoleCall('GET', '/nightly')).data).toMatchObject({ id: 'nightly', nextRun: NOW + 3_600_000 });

    const updated = await consoleCall('PUT', '/nightly', { frequency: { schedule: 'weekly', weekdays: ['MO', 'FR'] }, startDate: NOW });
    expect(updated.data).toMatchObject({ frequency: { schedule: 'weekly', weekdays: ['MO', 'FR'] }, nextRun: Date.UTC(2030, 0, 4, 12), code: 'x()' });
    expect(((await consoleCall('GET', '')).data as Array<{ id: string }>).map((timer) => timer.id)).toEqual(['nightly']);

    const deleted = await consoleCall('DELETE', '/nightly');
    expect([deleted.status, deleted.text]).toEqual([200, '']);
    expectError(await consoleCall('GET', '/nightly'), 404, 6007);
    expectError(await consoleCall('DELETE', '/nightly'), 404, 6007);
  });

  it('computes nextRun for each schedule', async () => {
    const nextRun = async (name: string, frequency: unknown, extra: Record<string, number> = {}) =>
      ((await consoleCall('POST', '', { name, frequency, ...extra })).data as { nextRun: number | null }).nextRun;
    expect(await nextRun('custom', { schedule: 'custom', repeat: { every: 60 } }, { startDate: NOW - 90_000 })).toBe(NOW + 30_000);
    expect(await nextRun('daily', { schedule: 'daily' }, { startDate: NOW - 3_600_000 })).toBe(NOW + 23 * 3_600_000);
    expect(await nextRun('biweekly', { schedule: 'weekly', repeat: { every: 2 }, weekdays: ['MONDAY'] }, { startDate: NOW })).toBe(Date.UTC(2030, 0, 14, 12));
    expect(await nextRun('mid-month', { schedule: 'monthly', monthDays: [15] }, { startDate: NOW })).toBe(Date.UTC(2030, 0, 15, 12));
    expect(await nextRun('last-friday', { schedule: 'monthly', monthWeeks: ['LAST'], monthWeekdays: ['FR'] }, { startDate: NOW })).toBe(
      Date.UTC(2030, 0, 25, 12),
    );
    expect(await nextRun('past-once', { schedule: 'once' }, { startDate: NOW - 1 })).toBeNull();
    expect(await nextRun('expired', { schedule: 'daily' }, { startDate: NOW - 3_600_000, expire: NOW + 3_600_000 })).toBeNull();
  });

  it('validates input and requires the auth-key', async () => {
    expectError(await consoleCall('POST', '', { name: 't1', frequency: { schedule: 'hourly' } }), 400, 8010);
    expectError(await consoleCall('POST', '', { name: 't1', frequency: { schedule: 'custom', repeat: { every: 5 } } }), 400, 8010);
    expectError(await consoleCall('POST', '', { frequency: { schedule: 'once' } }), 400, 8010);
    expectError(await consoleCall('GET', '', undefined, null), 401, 3064);
    expectError(await consoleCall('POST', '', { name: 't2', frequency: { schedule: 'once' } }, 'wrong-key'), 401, 3064);
    expectError(
      await call(emu, 'GET', `${emu.url}/WRONG-APP/console/servercode/prod/timers`, { absolute: true, headers: { 'auth-key': emu.consoleAuthKey } }),
      401,
      2002,
    );

    const login = await call(emu, 'POST', `${emu.url}/console/home/login`, {
      absolute: true,
      body: { login: 'developer@example.com', password: 'developer-password' },
    });
    expect(login.headers.get('auth-key')).toBe(emu.consoleAuthKey);
    expect(emu.requests.at(-1)?.apiPath).toBe('/console/home/login');
  });
});

describe('Backendless emulator: protocol errors and faults', () => {
  let emu: BackendlessEmulator;
  beforeEach(async () => {
    emu = await startBackendlessEmulator({ appId: 'MY-APP', restApiKey: 'MY-KEY' });
  });
  afterEach(() => emu.close());

  it('answers every error with a {code, message} body', async () => {
    expect(emu.baseUrl).toBe(`${emu.url}/MY-APP/MY-KEY`);
    expectError(await call(emu, 'GET', `${emu.url}/MY-APP/WRONG-KEY/counters/x`, { absolute: true }), 401, 2002);
    expectError(await call(emu, 'GET', `${emu.url}/OTHER/MY-KEY/counters/x`, { absolute: true }), 401, 2002);
    expectError(await call(emu, 'GET', '/no/such/route'), 404, 404);
    expectError(await call(emu, 'POST', '/users/login', { rawBody: '{"login":"a"}', headers: { 'content-type': 'text/plain' } }), 400, 8011);
    expectError(await call(emu, 'POST', '/users/login', { rawBody: '{"login":', headers: { 'content-type': 'application/json' } }), 400, 8002);
    expectError(await call(emu, 'GET', '/counters/x', { token: 'NOT-A-TOKEN' }), 401, 3064);
  });

  it('injects faults and records requests with secrets redacted', async () => {
    emu.failNext({ status: 429, times: 2, headers: { 'Retry-After': '3' } });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const limited = await call(emu, 'GET', '/counters/x');
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
      expect(limited.data).toEqual({ code: 429, message: 'Injected fault: HTTP 429' });
    }
    expect((await call(emu, 'GET', '/counters/x')).data).toBe(0);

    emu.failNext({ garbage: true });
    const garbage = await call(emu, 'GET', '/counters/x');
    expect(garbage.status).toBe(200);
    expect(() => JSON.parse(garbage.text)).toThrow();

    emu.failNext({ status: 503, body: { code: 0, message: 'maintenance' } });
    expect(await call(emu, 'GET', '/counters/x')).toMatchObject({ status: 503, data: { code: 0, message: 'maintenance' } });

    emu.failNext({ delayMs: 5_000 });
    await expect(fetch(`${emu.baseUrl}/counters/x`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();

    await call(emu, 'PUT', '/counters/x/get/compareandset?expected=0&updatedvalue=1', { token: 'SECRET-TOKEN', body: { note: 1 } });
    const last = emu.requests.at(-1)!;
    expect(last).toMatchObject({
      method: 'PUT',
      path: '/MY-APP/MY-KEY/counters/x/get/compareandset',
      apiPath: '/counters/x/get/compareandset',
      query: { expected: '0', updatedvalue: '1' },
      body: { note: 1 },
    });
    expect(last.headers['user-token']).toBe('[redacted]');
    expect(JSON.stringify(emu.requests)).not.toContain('SECRET-TOKEN');
  });
});
