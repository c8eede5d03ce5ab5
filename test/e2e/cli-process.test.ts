import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  childEnv,
  createSandbox,
  freePort,
  freePorts,
  launchServer,
  runSwitchboard,
  type Sandbox,
  startServer,
  stopAll,
  waitUntilServing,
} from '../helpers/process.js';
import { createTestDatabase, type TestDatabase, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// Real `node bin/switchboard.js` processes against this project's database kind: what a restart
// keeps, what several processes share, and what the CLI prints and refuses.

const kind = testDatabaseKind();
const isPostgres = kind === 'postgres';
const slow = 60_000;
// The CLI walk-through spawns about ten processes one after another (each loads the whole module graph).
const slowest = 120_000;
const apiKeyPattern = /sk_[0-9A-Za-z]{42}/;
const stackTrace = /^\s+at /m;

interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of several shapes, checked by the assertions.
  body: any;
}

async function api(baseUrl: string, method: 'GET' | 'POST' | 'DELETE', path: string, key: string, body?: unknown): Promise<ApiResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const fileMode = (path: string) => statSync(path).mode & 0o777;
const readKeyFile = (dataDir: string) => readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();

describe.skipIf(!testDatabaseAvailable())(`switchboard processes (${kind} database)`, () => {
  let sandbox: Sandbox | undefined;
  let database: TestDatabase | undefined;
  let masterKey: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    sandbox = createSandbox();
    database = await createTestDatabase();
    // PostgreSQL instances share the database, so they must share the master key; the embedded
    // database keeps its own in <data-dir>/master-key.
    masterKey = randomBytes(32).toString('base64');
    env = childEnv(sandbox, isPostgres ? { DATABASE_URL: database.databaseUrl, SWITCHBOARD_MASTER_KEY: masterKey } : {});
  });

  afterEach(async () => {
    await stopAll();
    await database?.drop();
    sandbox?.remove();
    sandbox = undefined;
    database = undefined;
  });

  it(
    'keeps projects and keys across a restart and does not print a new admin key',
    async () => {
      const dataDir = sandbox!.dataDir('data');
      const first = await startServer({ dataDir, env });
      const health = await fetch(`${first.url}/health`).then((response) => response.json());
      expect(health).toMatchObject({ status: 'ok', database: { status: 'ok', kind } });

      const keyFile = join(dataDir, 'admin-key');
      expect(fileMode(keyFile)).toBe(0o600);
      const adminKey = readKeyFile(dataDir);
      expect(adminKey).toMatch(apiKeyPattern);
      expect(first.process.stdout()).toContain('Created the default project');
      expect(first.process.stdout()).toContain(adminKey);
      if (!isPostgres) {
        expect(first.process.stdout()).toContain('generated a new master key');
        expect(fileMode(join(dataDir, 'master-key'))).toBe(0o600);
      }

      const project = await api(first.url, 'POST', '/v1/projects', adminKey, { name: 'Survives restarts' });
      expect(project.status).toBe(201);
      const agentKey = await api(first.url, 'POST', '/v1/api-keys', adminKey, { name: 'agent', scopes: ['tools:execute'] });
      expect(agentKey.status).toBe(201);
      expect(agentKey.body.key).toMatch(apiKeyPattern);

      expect(await first.stop()).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'switchboard.lock'))).toBe(false);

      const second = await startServer({ dataDir, env });
      const banner = second.process.stdout();
      expect(banner).toContain('Switchboard listening on');
      expect(banner).not.toContain('Created the default project');
      expect(banner).not.toMatch(apiKeyPattern);
      expect(banner).not.toContain('generated a new master key');
      expect(readKeyFile(dataDir)).toBe(adminKey);

      const asAgent = await api(second.url, 'GET', '/v1/projects', agentKey.body.key);
      expect(asAgent.status).toBe(200);
      expect(asAgent.body.items).toEqual([expect.objectContaining({ slug: 'default' })]);
      const asAdmin = await api(second.url, 'GET', '/v1/projects', adminKey);
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.body.items.map((item: { id: string }) => item.id)).toContain(project.body.id);
      const stored = await api(second.url, 'GET', `/v1/api-keys/${agentKey.body.id}`, adminKey);
      expect(stored.body).toMatchObject({ id: agentKey.body.id, name: 'agent', status: 'active', scopes: ['tools:execute'] });
    },
    slow,
  );

  // Regression: on PostgreSQL nothing else creates the data directory, and the admin key written
  // there after the bootstrap transaction committed must not be lost.
  it(
    'creates a data directory that does not exist yet',
    async () => {
      const dataDir = sandbox!.path('not-yet/data');
      const server = await startServer({ dataDir, env });
      expect(fileMode(dataDir)).toBe(0o700);
      expect(fileMode(join(dataDir, 'admin-key'))).toBe(0o600);
      expect(server.process.stdout()).toContain(readKeyFile(dataDir));
    },
    slow,
  );

  it.runIf(isPostgres)(
    'two processes on one PostgreSQL database bootstrap once and see revocations at once',
    async () => {
      const [portA, portB] = await freePorts(2);
      const dirA = sandbox!.dataDir('data-a');
      const dirB = sandbox!.dataDir('data-b');
      // Launched in the same tick: both race through migrations and bootstrap.
      const launched = [launchServer({ dataDir: dirA, env, port: portA! }), launchServer({ dataDir: dirB, env, port: portB! })];
      const [a, b] = await Promise.all(launched.map((server) => waitUntilServing(server)));

      const creators = [a!, b!].filter((server) => server.process.stdout().includes('Created the default project'));
      expect(creators).toHaveLength(1);
      for (const server of [a!, b!]) expect(server.process.stdout().match(new RegExp(apiKeyPattern, 'g')) ?? []).toHaveLength(server === creators[0] ? 1 : 0);
      const keyDirs = [dirA, dirB].filter((dir) => existsSync(join(dir, 'admin-key')));
      expect(keyDirs).toEqual([creators[0]!.dataDir]);
      const adminKey = readKeyFile(keyDirs[0]!);

      for (const server of [a!, b!]) {
        const projects = await api(server.url, 'GET', '/v1/projects', adminKey);
        expect(projects.status).toBe(200);
        expect(projects.body.items).toEqual([expect.objectContaining({ slug: 'default' })]);
      }
      const keys = await api(b!.url, 'GET', '/v1/api-keys?include_revoked=true', adminKey);
      expect(keys.body.items).toEqual([expect.objectContaining({ scopes: ['admin'] })]);

      const created = await api(a!.url, 'POST', '/v1/api-keys', adminKey, { name: 'shared', scopes: ['tools:execute'] });
      expect(created.status).toBe(201);
      expect((await api(b!.url, 'GET', '/v1/projects', created.body.key)).status).toBe(200);

      const revoked = await api(a!.url, 'DELETE', `/v1/api-keys/${created.body.id}`, adminKey);
      expect(revoked.status).toBe(200);
      expect(revoked.body.status).toBe('revoked');
      const refused = await api(b!.url, 'GET', '/v1/projects', created.body.key);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ error: expect.objectContaining({ code: 'UNAUTHENTICATED', message: expect.stringContaining('revoked') }) });
      expect((await api(a!.url, 'GET', '/v1/projects', created.body.key)).status).toBe(401);
    },
    slow,
  );

  it.runIf(isPostgres)(
    'refuses to start with another master key than the database was used with',
    async () => {
      const running = await startServer({ dataDir: sandbox!.dataDir('data-a'), env });
      const otherKey = randomBytes(32).toString('base64');
      const result = await runSwitchboard(['serve', '--port', String(await freePort()), '--data-dir', sandbox!.dataDir('data-b')], {
        ...env,
        SWITCHBOARD_MASTER_KEY: otherKey,
      });
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toMatch(/sealed with master key mk_[0-9a-f]{16}/);
      expect(result.stderr).toContain('SWITCHBOARD_MASTER_KEY');
      expect(result.stderr).not.toMatch(stackTrace);
      expect(result.stdout).not.toContain('Switchboard listening');
      // The refused process changed nothing: the running one still serves with its key.
      expect((await fetch(`${running.url}/health`)).status).toBe(200);
      expect((await api(running.url, 'GET', '/v1/projects', readKeyFile(running.dataDir))).status).toBe(200);
    },
    slow,
  );

  it.runIf(!isPostgres)(
    'refuses a second process on the data directory of a running server',
    async () => {
      const dataDir = sandbox!.dataDir('data');
      const running = await startServer({ dataDir, env });
      const lockFile = join(dataDir, 'switchboard.lock');
      expect(readFileSync(lockFile, 'utf8')).toBe(String(running.process.pid));
      const owner = new RegExp(`Another Switchboard process \\(pid ${running.process.pid}\\) is using the embedded database in ${dataDir}`);

      const secondServe = await runSwitchboard(['serve', '--port', String(await freePort()), '--data-dir', dataDir], env);
      expect(secondServe.code).toBe(1);
      expect(secondServe.stderr).toMatch(owner);
      expect(secondServe.stderr).not.toMatch(stackTrace);
      expect(secondServe.stdout).toBe('');

      const offlineList = await runSwitchboard(['keys', 'list', '--offline', '--data-dir', dataDir], env);
      expect(offlineList.code).toBe(1);
      expect(offlineList.stderr).toMatch(owner);
      expect(offlineList.stderr).toContain('drop --offline');
      expect(offlineList.stdout).toBe('');

      // The refused processes left the lock and the server alone.
      expect(readFileSync(lockFile, 'utf8')).toBe(String(running.process.pid));
      expect((await api(running.url, 'GET', '/v1/projects', readKeyFile(dataDir))).status).toBe(200);
    },
    slow,
  );

  it(
    'init, then keys create/list/revoke against the server, then keys list --offline',
    async () => {
      const dataDir = sandbox!.dataDir('data');
      const init = await runSwitchboard(['init', '--data-dir', dataDir], env);
      expect(init.code, init.stderr).toBe(0);
      const adminKey = init.stdout.match(apiKeyPattern)?.[0];
      expect(adminKey).toBeDefined();
      expect(readKeyFile(dataDir)).toBe(adminKey);
      expect(fileMode(join(dataDir, 'admin-key'))).toBe(0o600);
      if (isPostgres) {
        expect(init.stdout).toContain('Master key: SWITCHBOARD_MASTER_KEY');
        expect(existsSync(join(dataDir, 'master-key'))).toBe(false);
      } else {
        expect(init.stdout).toContain(`generated a new master key in ${dataDir}/master-key`);
        expect(fileMode(join(dataDir, 'master-key'))).toBe(0o600);
        expect(existsSync(join(dataDir, 'switchboard.lock'))).toBe(false);
      }
      expect(existsSync(sandbox!.defaultDataDir)).toBe(false);

      const again = await runSwitchboard(['init', '--data-dir', dataDir], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('Already initialised');
      expect(again.stdout).not.toMatch(apiKeyPattern);
      expect(readKeyFile(dataDir)).toBe(adminKey);

      const server = await startServer({ dataDir, env });
      expect(server.process.stdout()).not.toMatch(apiKeyPattern);
      const online = ['--endpoint', server.url, '--data-dir', dataDir];

      const create = await runSwitchboard(['keys', 'create', '--name', 'x', '--scopes', 'manage', '--json', ...online], env);
      expect(create.code, create.stderr).toBe(0);
      const created = JSON.parse(create.stdout);
      expect(created).toMatchObject({ name: 'x', scopes: ['manage'], status: 'active', key: expect.stringMatching(apiKeyPattern) });
      expect((await api(server.url, 'GET', '/v1/api-keys', created.key)).status).toBe(200);

      const list = await runSwitchboard(['keys', 'list', ...online], env);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPES\s+STATUS\s+LAST USED/);
      expect(list.stdout).toMatch(new RegExp(`${created.id}\\s+x\\s+${created.prefix}…\\s+manage\\s+active`));
      expect(list.stdout).not.toContain(created.key);
      expect(list.stdout).not.toContain(adminKey);

      const revoke = await runSwitchboard(['keys', 'revoke', created.id, ...online], env);
      expect(revoke.code, revoke.stderr).toBe(0);
      expect(revoke.stdout).toMatch(new RegExp(`^Revoked ${created.id} \\(x\\) at `));
      const refused = await api(server.url, 'GET', '/v1/api-keys', created.key);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('UNAUTHENTICATED');
      const listJson = await runSwitchboard(['keys', 'list', '--all', '--json', ...online], env);
      expect(listJson.code, listJson.stderr).toBe(0);
      const listed: Record<string, unknown>[] = JSON.parse(listJson.stdout);
      expect(listed).toContainEqual(expect.objectContaining({ id: created.id, status: 'revoked' }));
      for (const key of listed) expect(key).not.toHaveProperty('key');

      expect(await server.stop()).toEqual({ code: 0, signal: null });

      // With the server gone: the offline path works, the online one says it cannot reach the
      // server, and an unknown scope is refused before any request (independent, so run together).
      const [offline, unreachable, bogus] = await Promise.all([
        runSwitchboard(['keys', 'list', '--offline', '--all', '--data-dir', dataDir], env),
        runSwitchboard(['keys', 'create', '--name', 'y', ...online], env),
        runSwitchboard(['keys', 'create', '--name', 'x', '--scopes', 'bogus', ...online], env),
      ]);
      expect(offline.code, offline.stderr).toBe(0);
      expect(offline.stderr).toContain('--offline: using the database directly');
      expect(offline.stdout).toMatch(new RegExp(`${created.id}\\s+x\\s+\\S+\\s+manage\\s+revoked`));
      expect(offline.stdout).toContain('admin (created at first start)');
      expect(offline.stdout).not.toMatch(apiKeyPattern);

      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain(`Cannot reach Switchboard at ${server.url}`);
      expect(unreachable.stderr).toContain('--offline');
      expect(unreachable.stderr).not.toMatch(stackTrace);
      expect(unreachable.stdout).toBe('');

      expect(bogus.code).toBe(1);
      expect(bogus.stderr).toContain('Unknown scope bogus; choose from admin, manage, tools:execute.');
      expect(bogus.stderr).not.toMatch(stackTrace);
      expect(bogus.stdout).toBe('');
    },
    slowest,
  );
});

// Each case spawns its own process in its own sandbox, so they run side by side.
describe.concurrent('switchboard --help', () => {
  it.each([
    { name: 'switchboard', args: [], usage: 'Usage: switchboard [options] [command]', mentions: ['serve', 'init', 'keys'] },
    { name: 'switchboard serve', args: ['serve'], usage: 'Usage: switchboard serve [options]', mentions: ['--port', '--host', '--data-dir'] },
    { name: 'switchboard init', args: ['init'], usage: 'Usage: switchboard init [options]', mentions: ['--data-dir'] },
    { name: 'switchboard keys', args: ['keys'], usage: 'Usage: switchboard keys [options] [command]', mentions: ['create', 'list', 'revoke'] },
    {
      name: 'switchboard keys create',
      args: ['keys', 'create'],
      usage: 'Usage: switchboard keys create [options]',
      mentions: ['--name', '--scopes', '--offline', '--endpoint'],
    },
    { name: 'switchboard keys list', args: ['keys', 'list'], usage: 'Usage: switchboard keys list [options]', mentions: ['--all', '--offline', '--json'] },
    {
      name: 'switchboard keys revoke',
      args: ['keys', 'revoke'],
      usage: 'Usage: switchboard keys revoke [options] <id>',
      mentions: ['--offline', '--endpoint'],
    },
  ])('$name --help prints usage and exits 0', async ({ args, usage, mentions }) => {
    const sandbox = createSandbox();
    try {
      const result = await runSwitchboard([...args, '--help'], childEnv(sandbox));
      expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
      expect(result.stdout.startsWith(usage)).toBe(true);
      for (const mention of mentions) expect(result.stdout).toContain(mention);
      expect(existsSync(sandbox.defaultDataDir)).toBe(false);
    } finally {
      sandbox.remove();
    }
  });
});
