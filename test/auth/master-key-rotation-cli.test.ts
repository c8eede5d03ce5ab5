import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKeyRotationSchema } from '../../src/auth/index.js';
import { notesToolkit, startScriptedUpstream } from '../fixtures/notes-toolkit.js';
import { childEnv, createSandbox, freePort, runSwitchboard, type Sandbox, startServer, stopAll } from '../helpers/process.js';
import { createTestDatabase, type TestDatabase, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';
import { expectNoKeyMaterial, type TestKey, testKey, type Upstream } from './rotation-fixtures.js';

// `switchboard keys rotate-master` as real processes: offline against a data directory, online
// against a running server, and the multi-instance procedure of the README on PostgreSQL.

const kind = testDatabaseKind();
const isPostgres = kind === 'postgres';
const slow = 90_000;
const stackTrace = /^\s+at /m;

interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of several shapes, checked by the assertions.
  body: any;
}

async function api(baseUrl: string, method: 'GET' | 'POST', path: string, key: string, body?: unknown): Promise<ApiResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

interface Secrets {
  authConfigId: string;
  clientSecret: string;
  apiKey: string;
}

/** Through a running server's API: the notes toolkit, an auth config with a client secret, an account with credentials. */
async function seed(url: string, adminKey: string, upstream: Upstream): Promise<Secrets> {
  expect((await api(url, 'POST', '/v1/toolkits', adminKey, notesToolkit)).status).toBe(200);
  const clientSecret = `client-secret-${randomBytes(6).toString('hex')}`;
  const config = await api(url, 'POST', '/v1/auth-configs', adminKey, {
    toolkit: 'bitbucket',
    scheme: 'oauth2_authorization_code',
    client_id: 'c',
    client_secret: clientSecret,
  });
  expect(config.status).toBe(201);
  const apiKey = `notes-key-${randomBytes(6).toString('hex')}`;
  const account = await api(url, 'POST', '/v1/connected-accounts', adminKey, {
    user_id: 'alice',
    toolkit: 'notes',
    credentials: { tenant: 'acme', api_key: apiKey },
    base_url: `${upstream.url}/{tenant}`,
  });
  expect(account.status).toBe(201);
  return { authConfigId: config.body.id, clientSecret, apiKey };
}

/** Both secrets still work through `url`: the client-secret hint decrypts and the account's key reaches the upstream. */
async function expectSecretsWork(url: string, adminKey: string, upstream: Upstream, secrets: Secrets): Promise<void> {
  const config = await api(url, 'GET', `/v1/auth-configs/${secrets.authConfigId}`, adminKey);
  expect(config.body.client_secret_hint).toBe(`••••${secrets.clientSecret.slice(-4)}`);
  upstream.requests.length = 0;
  const executed = await api(url, 'POST', '/v1/tools/NOTES_CREATE_NOTE/execute', adminKey, { user_id: 'alice', arguments: { title: 'x' } });
  expect(executed.body.successful, JSON.stringify(executed.body)).toBe(true);
  expect(upstream.requests[0]?.headers['x-api-key']).toBe(secrets.apiKey);
}

describe.skipIf(!testDatabaseAvailable())(`switchboard keys rotate-master (${kind} database)`, () => {
  let upstream: Upstream;
  let sandbox: Sandbox | undefined;
  let database: TestDatabase | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
  });
  afterAll(async () => upstream?.close());
  beforeEach(async () => {
    sandbox = createSandbox();
    database = await createTestDatabase();
    // No SWITCHBOARD_MASTER_KEY: the key lives in <data dir>/master-key (on PostgreSQL too).
    env = childEnv(sandbox, { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', ...(isPostgres ? { DATABASE_URL: database.databaseUrl } : {}) });
  });
  afterEach(async () => {
    await stopAll();
    await database?.drop();
    sandbox?.remove();
    sandbox = undefined;
    database = undefined;
  });

  const keyIn = (dataDir: string) => testKey(readFileSync(join(dataDir, 'master-key'), 'utf8').trim());
  const adminKeyIn = (dataDir: string) => readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();

  it(
    '--offline re-wraps everything under a new key file; a restarted server opens everything',
    async () => {
      const dataDir = sandbox!.dataDir('data');
      const server = await startServer({ dataDir, env });
      const adminKey = adminKeyIn(dataDir);
      const secrets = await seed(server.url, adminKey, upstream);
      await server.stop();
      const oldKey = keyIn(dataDir);

      const rotated = await runSwitchboard(['keys', 'rotate-master', '--offline', '--data-dir', dataDir], env);
      expect(rotated.code, rotated.stderr).toBe(0);
      const newKey = keyIn(dataDir);
      expect(newKey.key.id).not.toBe(oldKey.key.id);
      expect(existsSync(join(dataDir, 'master-key.previous'))).toBe(false);
      expect(rotated.stderr).toContain('--offline: using the database directly');
      expect(rotated.stdout).toContain(`Master key rotated: every stored secret is now sealed with ${newKey.key.id}.`);
      expect(rotated.stdout).toMatch(/auth_configs\.client_secret\s+1 re-wrapped/);
      expect(rotated.stdout).toMatch(/connected_accounts\.credentials\s+1 re-wrapped/);
      expect(rotated.stdout).toContain(`Retired: ${oldKey.key.id}.`);
      expect(rotated.stdout).toContain(`The new key is in ${dataDir}/master-key; back it up now`);
      expectNoKeyMaterial(rotated.stdout + rotated.stderr, [oldKey, newKey]);

      const json = await runSwitchboard(['keys', 'rotate-master', '--offline', '--json', '--data-dir', dataDir], env);
      expect(json.code, json.stderr).toBe(0);
      const summary = masterKeyRotationSchema.parse(JSON.parse(json.stdout));
      expect(summary).toMatchObject({ resealed: 2, retired_key_ids: [newKey.key.id], current_key_id: keyIn(dataDir).key.id, generated_key: true });

      const restarted = await startServer({ dataDir, env });
      await expectSecretsWork(restarted.url, adminKey, upstream, secrets);
    },
    slow,
  );

  it(
    'against a running server: the server switches keys and keeps serving; non-admin keys are refused',
    async () => {
      const dataDir = sandbox!.dataDir('data');
      const server = await startServer({ dataDir, env });
      const adminKey = adminKeyIn(dataDir);
      const secrets = await seed(server.url, adminKey, upstream);
      const oldKey = keyIn(dataDir);
      const online = ['--endpoint', server.url, '--data-dir', dataDir];

      const agent = await api(server.url, 'POST', '/v1/api-keys', adminKey, { name: 'agent', scopes: ['manage'] });
      const refused = await runSwitchboard(['keys', 'rotate-master', '--api-key', agent.body.key, ...online], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('lacks the "admin" scope');
      expect(refused.stderr).not.toMatch(stackTrace);
      expect(keyIn(dataDir).key.id).toBe(oldKey.key.id);

      const rotated = await runSwitchboard(['keys', 'rotate-master', ...online], env);
      expect(rotated.code, rotated.stderr).toBe(0);
      const newKey = keyIn(dataDir);
      expect(newKey.key.id).not.toBe(oldKey.key.id);
      expect(rotated.stdout).toContain(`Master key rotated: every stored secret is now sealed with ${newKey.key.id}.`);
      expect(rotated.stdout).toContain(`Retired: ${oldKey.key.id}.`);
      expectNoKeyMaterial(rotated.stdout + rotated.stderr, [oldKey, newKey]);
      expect(existsSync(join(dataDir, 'master-key.previous'))).toBe(false);

      // The same process serves on, with the new key.
      expect(server.process.exitStatus()).toBeUndefined();
      await expectSecretsWork(server.url, adminKey, upstream, secrets);
      expectNoKeyMaterial(server.process.stdout() + server.process.stderr(), [oldKey, newKey]);
      await server.stop();
      const restarted = await startServer({ dataDir, env });
      await expectSecretsWork(restarted.url, adminKey, upstream, secrets);
      await restarted.stop();

      // The retired key alone is refused at start, with the id of the key to put back.
      const withOldKey = await runSwitchboard(['serve', '--port', String(await freePort()), '--data-dir', dataDir], {
        ...env,
        SWITCHBOARD_MASTER_KEY: oldKey.encoded,
      });
      expect(withOldKey.code).toBe(1);
      expect(withOldKey.stderr).toContain(`retired at`);
      expect(withOldKey.stderr).toContain(`set SWITCHBOARD_MASTER_KEY to the key whose id is ${newKey.key.id}`);
      expect(withOldKey.stderr).not.toMatch(stackTrace);
      expectNoKeyMaterial(withOldKey.stderr, [oldKey, newKey]);
    },
    slow,
  );

  it.runIf(isPostgres)(
    'several instances on PostgreSQL follow the README: new key as previous everywhere, swap, rotate, drop the old key',
    async () => {
      const k1 = testKey(randomBytes(32).toString('base64'));
      const k2 = testKey(randomBytes(32).toString('base64'));
      const [dirA, dirB] = [sandbox!.dataDir('a'), sandbox!.dataDir('b')];
      const configured = (current: TestKey, previous?: TestKey) => ({
        ...env,
        SWITCHBOARD_MASTER_KEY: current.encoded,
        ...(previous ? { SWITCHBOARD_PREVIOUS_MASTER_KEYS: previous.encoded } : {}),
      });
      const start = (dataDir: string, current: TestKey, previous?: TestKey) => startServer({ dataDir, env: configured(current, previous) });

      let a = await start(dirA, k1);
      let b = await start(dirB, k1);
      const adminKey = adminKeyIn(dirA);
      const secrets = await seed(a.url, adminKey, upstream);

      // 1. The new key as a previous key on every instance, one restart at a time.
      await a.stop();
      a = await start(dirA, k1, k2);
      await b.stop();
      b = await start(dirB, k1, k2);
      // 2. Swap: the new key current, the old one previous. While only A has swapped, B reads what A seals.
      await a.stop();
      a = await start(dirA, k2, k1);
      const sealedByA = await api(a.url, 'POST', '/v1/auth-configs', adminKey, {
        toolkit: 'bitbucket',
        scheme: 'oauth2_client_credentials',
        client_id: 'a',
        client_secret: 'sealed-by-a-with-k2',
      });
      expect((await api(b.url, 'GET', `/v1/auth-configs/${sealedByA.body.id}`, adminKey)).body.client_secret_hint).toBe('••••h-k2');
      await b.stop();
      b = await start(dirB, k2, k1);

      // 3. Rotate through any instance.
      const rotated = await runSwitchboard(['keys', 'rotate-master', '--endpoint', b.url, '--api-key', adminKey, '--json'], env);
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(JSON.parse(rotated.stdout)).toMatchObject({ retired_key_ids: [k1.key.id], current_key_id: k2.key.id, generated_key: false });
      expectNoKeyMaterial(rotated.stdout, [k1, k2]);
      await expectSecretsWork(a.url, adminKey, upstream, secrets);

      // 4. Drop the old key everywhere.
      await a.stop();
      await b.stop();
      a = await start(dirA, k2);
      await expectSecretsWork(a.url, adminKey, upstream, secrets);
      const stale = await runSwitchboard(['serve', '--port', String(await freePort()), '--data-dir', dirB], configured(k1));
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain(`set SWITCHBOARD_MASTER_KEY to the key whose id is ${k2.key.id}`);
    },
    slow * 2,
  );
});

describe('switchboard keys rotate-master --help', () => {
  it('names its options', async () => {
    const sandbox = createSandbox();
    try {
      const result = await runSwitchboard(['keys', 'rotate-master', '--help'], childEnv(sandbox));
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout.startsWith('Usage: switchboard keys rotate-master [options]')).toBe(true);
      for (const option of ['--endpoint', '--api-key', '--offline', '--data-dir', '--json', 'SWITCHBOARD_PREVIOUS_MASTER_KEYS'])
        expect(result.stdout).toContain(option);
    } finally {
      sandbox.remove();
    }
  });
});
