import { PassThrough } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVault, generateMasterKey, type RotationProgress, resealToCurrentKey } from '../../src/auth/index.js';
import { StartupError } from '../../src/errors.js';
import { startScriptedUpstream } from '../fixtures/notes-toolkit.js';
import { createTestInstance, type TestInstance } from '../helpers/instance.js';
import { testDatabaseAvailable } from '../helpers/server.js';
import {
  expectAllSealedWith,
  expectNoKeyMaterial,
  expectSecretsWork,
  masterKeyRows,
  restCall,
  rotationToolkits,
  sealedValues,
  seedSecrets,
  type TestKey,
  testKey,
  type Upstream,
} from './rotation-fixtures.js';

// The environment path: the operator has put the new key in SWITCHBOARD_MASTER_KEY and the old one
// in SWITCHBOARD_PREVIOUS_MASTER_KEYS; the rotation re-wraps everything to the new key.

const allowLoopback = { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' };
const toolkits = { toolkits: rotationToolkits };

describe.skipIf(!testDatabaseAvailable())('master-key rotation with SWITCHBOARD_MASTER_KEY', () => {
  let upstream: Upstream;
  let instance: TestInstance;
  let oldKey: TestKey;
  let newKey: TestKey;
  const withKeys = (current: TestKey, previous: TestKey[] = []) => ({
    ...allowLoopback,
    SWITCHBOARD_MASTER_KEY: current.encoded,
    ...(previous.length > 0 ? { SWITCHBOARD_PREVIOUS_MASTER_KEYS: previous.map((key) => key.encoded).join(' , ') } : {}),
  });

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
  });
  afterAll(async () => upstream?.close());
  beforeEach(async () => {
    instance = await createTestInstance();
    oldKey = testKey(generateMasterKey());
    newKey = testKey(generateMasterKey());
  });
  afterEach(async () => instance?.remove());

  /** Starts with the old key, seeds secrets through the API, stops. */
  async function seedUnderOldKey(accounts = 2) {
    const first = await instance.start(withKeys(oldKey), toolkits);
    const seeded = await seedSecrets(restCall(first, instance.adminKey()), upstream, accounts);
    await first.close();
    return seeded;
  }

  it('re-wraps every sealed value to the new key, retires the old one, keeps credentials working, and a second run reseals 0', async () => {
    const seeded = await seedUnderOldKey();
    const logs: string[] = [];
    const logStream = new PassThrough().on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    const server = await instance.start({ ...withKeys(newKey, [oldKey]), SWITCHBOARD_LOG_LEVEL: 'trace' }, { ...toolkits, logStream });
    const call = restCall(server, instance.adminKey());
    expect(server.vault.currentKeyId).toBe(newKey.key.id);

    // Before the rotation the old values open through the previous key; new ones are sealed with the new key.
    await expectSecretsWork(call, upstream, seeded);
    const before = await sealedValues(server.database.db);
    expect(before.map((value) => value.value.split('.')[1])).toEqual(before.map(() => oldKey.key.id));
    const later = await call('POST', '/v1/auth-configs', {
      toolkit: 'bitbucket',
      scheme: 'oauth2_client_credentials',
      client_id: 'd',
      client_secret: 'sealed-under-the-new-key',
    });
    expect(later.statusCode).toBe(201);

    const rotated = await call('POST', '/v1/admin/master-key/rotate');
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.json()).toEqual({
      resealed: 3,
      columns: {
        'auth_configs.client_secret': { resealed: 1, changed_concurrently: 0 },
        'connected_accounts.credentials': { resealed: 2, changed_concurrently: 0 },
        'connect_links.code_verifier': { resealed: 0, changed_concurrently: 0 },
      },
      retired_key_ids: [oldKey.key.id],
      current_key_id: newKey.key.id,
      generated_key: false,
    });
    expectNoKeyMaterial(rotated.body, [oldKey, newKey]);

    // Straight from the tables: every value carries the new key id and opens with the new key alone.
    const plaintexts = await expectAllSealedWith(server.database.db, newKey.key);
    expect(plaintexts.get(seeded.authConfigId)).toBe(seeded.clientSecret);
    expect(plaintexts.get(later.json().id)).toBe('sealed-under-the-new-key');
    for (const [index, id] of seeded.accountIds.entries())
      expect(JSON.parse(plaintexts.get(id)!)).toEqual({ tenant: `t${index}`, api_key: seeded.apiKeys[index] });
    expect(await masterKeyRows(server.database.db)).toEqual(
      expect.arrayContaining([
        { key_id: oldKey.key.id, retired: true },
        { key_id: newKey.key.id, retired: false },
      ]),
    );
    await expectSecretsWork(call, upstream, seeded);

    const again = await call('POST', '/v1/admin/master-key/rotate');
    expect(again.json()).toMatchObject({ resealed: 0, retired_key_ids: [], current_key_id: newKey.key.id });
    await server.close();
    // The log names the rotation and its key ids, never a key.
    expect(logs.join('')).toContain('master key rotation finished');
    expectNoKeyMaterial(logs.join(''), [oldKey, newKey]);

    // The new key alone now opens everything; the old key is not needed any more.
    const newOnly = await instance.start(withKeys(newKey), toolkits);
    await expectSecretsWork(restCall(newOnly, instance.adminKey()), upstream, seeded);
    await newOnly.close();
  });

  it('refuses to start an instance configured with the retired key, naming the key to configure', async () => {
    await seedUnderOldKey(1);
    const server = await instance.start(withKeys(newKey, [oldKey]), toolkits);
    expect((await restCall(server, instance.adminKey())('POST', '/v1/admin/master-key/rotate')).statusCode).toBe(200);
    await server.close();

    for (const env of [withKeys(oldKey), withKeys(oldKey, [newKey])]) {
      const refused = await instance.start(env, toolkits).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StartupError);
      const message = (refused as Error).message;
      expect(message).toContain(`master key ${oldKey.key.id} (SWITCHBOARD_MASTER_KEY)`);
      expect(message).toContain('retired');
      expect(message).toContain(`set SWITCHBOARD_MASTER_KEY to the key whose id is ${newKey.key.id}`);
      expectNoKeyMaterial(message, [oldKey, newKey]);
    }
    // The refused starts changed nothing.
    const rows = await masterKeyRows((await instance.start(withKeys(newKey), toolkits)).database.db);
    expect(rows).toEqual(expect.arrayContaining([{ key_id: newKey.key.id, retired: false }]));
  });

  it('answers an instance admin only (403 for manage and tools:execute keys, 401 without a key)', async () => {
    await seedUnderOldKey(1);
    const server = await instance.start(withKeys(newKey, [oldKey]), toolkits);
    const admin = restCall(server, instance.adminKey());
    for (const scopes of [['manage'], ['tools:execute'], ['manage', 'tools:execute']]) {
      const key = (await admin('POST', '/v1/api-keys', { name: 'not admin', scopes })).json().key;
      const refused = await restCall(server, key)('POST', '/v1/admin/master-key/rotate');
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatchObject({ code: 'FORBIDDEN', details: { required_scope: 'admin' } });
      expectNoKeyMaterial(refused.body, [oldKey, newKey]);
    }
    const anonymous = await server.app.inject({ method: 'POST', url: '/v1/admin/master-key/rotate' });
    expect(anonymous.statusCode).toBe(401);
    // Nothing moved: the values are still under the old key.
    for (const value of await sealedValues(server.database.db)) expect(value.value.startsWith(`v1.${oldKey.key.id}.`)).toBe(true);
    expect(await masterKeyRows(server.database.db)).toContainEqual({ key_id: oldKey.key.id, retired: false });
  });

  it('re-wraps in batches, reporting progress per column', async () => {
    const seeded = await seedUnderOldKey(7);
    const server = await instance.start(withKeys(newKey, [oldKey]), toolkits);
    const progress: RotationProgress[] = [];
    const summary = await resealToCurrentKey(server.database.db, server.vault, { batchSize: 3, onProgress: (update) => progress.push({ ...update }) });
    expect(summary.columns['connected_accounts.credentials']).toEqual({ resealed: 7, changed_concurrently: 0 });
    const accounts = progress.filter((update) => update.column === 'connected_accounts.credentials');
    expect(accounts.map((update) => update.done)).toEqual([0, 3, 6, 7]);
    expect(accounts.every((update) => update.total === 7)).toBe(true);
    expect(progress.filter((update) => update.column === 'auth_configs.client_secret').at(-1)).toEqual({
      column: 'auth_configs.client_secret',
      done: 1,
      total: 1,
    });
    await expectAllSealedWith(server.database.db, newKey.key);
    await expectSecretsWork(restCall(server, instance.adminKey()), upstream, seeded);
  });

  it('does not lose a write that lands while a batch is being re-wrapped', async () => {
    const seeded = await seedUnderOldKey(4);
    const server = await instance.start(withKeys(newKey, [oldKey]), toolkits);
    const call = restCall(server, instance.adminKey());
    const db = server.database.db;
    const [rewrittenByStale, deleted] = seeded.accountIds;
    const staleCredentials = JSON.stringify({ tenant: 't0', api_key: 'written-by-a-stale-instance' });
    const raced = new Set<string>();

    const summary = await resealToCurrentKey(db, server.vault, {
      batchSize: 10,
      // Between reading a batch and writing it back, a running server changes some of its rows.
      async beforeWrite(column) {
        if (raced.has(column)) return;
        raced.add(column);
        if (column === 'auth_configs.client_secret') {
          // A new client secret through the API (sealed with the current key).
          expect((await call('PATCH', `/v1/auth-configs/${seeded.authConfigId}`, { client_secret: 'changed-during-rotation' })).statusCode).toBe(200);
        } else {
          // An instance still sealing with the old key rewrites one account; another is deleted.
          const stale = createVault(oldKey.key).seal(staleCredentials, `connected_account:${rewrittenByStale}`);
          await db.execute(sql`update connected_accounts set credentials = ${stale} where id = ${rewrittenByStale!}`);
          expect((await call('DELETE', `/v1/connected-accounts/${deleted}`)).statusCode).toBe(204);
        }
      },
    });

    expect(summary.columns).toEqual({
      'auth_configs.client_secret': { resealed: 0, changed_concurrently: 1 },
      // The stale write is re-read and re-wrapped on the retry; the deleted row is left alone.
      'connected_accounts.credentials': { resealed: 3, changed_concurrently: 1 },
      'connect_links.code_verifier': { resealed: 0, changed_concurrently: 0 },
    });
    expect(summary.retired_key_ids).toEqual([oldKey.key.id]);
    const plaintexts = await expectAllSealedWith(db, newKey.key);
    expect(plaintexts.get(seeded.authConfigId)).toBe('changed-during-rotation');
    expect(plaintexts.get(rewrittenByStale!)).toBe(staleCredentials);
    expect(plaintexts.has(deleted!)).toBe(false);
    expect((await call('GET', `/v1/auth-configs/${seeded.authConfigId}`)).json().client_secret_hint).toBe('••••tion');
  });

  it('gives up without retiring the old key while something keeps writing under it', async () => {
    const seeded = await seedUnderOldKey(2);
    const server = await instance.start(withKeys(newKey, [oldKey]), toolkits);
    const db = server.database.db;
    const stale = createVault(oldKey.key);
    const target = seeded.accountIds[0]!;
    let writes = 0;
    const rotation = resealToCurrentKey(db, server.vault, {
      // A stale instance rewrites the same account under the old key before every write.
      async beforeWrite(column) {
        if (column !== 'connected_accounts.credentials') return;
        writes++;
        const value = stale.seal(JSON.stringify({ tenant: 't0', api_key: `stale-${writes}` }), `connected_account:${target}`);
        await db.execute(sql`update connected_accounts set credentials = ${value} where id = ${target}`);
      },
    });
    await expect(rotation).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { remaining: 1 },
      message: expect.stringContaining('an instance still seals with the old key'),
    });
    expect(await masterKeyRows(db)).toContainEqual({ key_id: oldKey.key.id, retired: false });
    // Everything else was re-wrapped; the stale row still opens with the old key.
    const values = await sealedValues(db);
    expect(values.filter((value) => !value.value.startsWith(`v1.${newKey.key.id}.`)).map((value) => value.id)).toEqual([target]);
  });

  it('stops before retiring anything when a value is sealed with a key this process does not have', async () => {
    const seeded = await seedUnderOldKey(2);
    const server = await instance.start(withKeys(newKey, [oldKey]), toolkits);
    const unknown = testKey(generateMasterKey());
    const orphan = createVault(unknown.key).seal('{}', `connected_account:${seeded.accountIds[1]}`);
    await server.database.db.execute(sql`update connected_accounts set credentials = ${orphan} where id = ${seeded.accountIds[1]!}`);

    const refused = await restCall(server, instance.adminKey())('POST', '/v1/admin/master-key/rotate');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'CONFLICT',
      details: { column: 'connected_accounts.credentials', id: seeded.accountIds[1], key_id: unknown.key.id },
    });
    expect(refused.json().error.message).toContain('SWITCHBOARD_PREVIOUS_MASTER_KEYS');
    expectNoKeyMaterial(refused.body, [oldKey, newKey, unknown]);
    expect(await masterKeyRows(server.database.db)).toContainEqual({ key_id: oldKey.key.id, retired: false });
  });

  it('refuses a rotation towards a key another rotation retired', async () => {
    await seedUnderOldKey(1);
    // An instance started with the old key before the rotation, still running afterwards.
    const stale = await instance.start(withKeys(oldKey, [newKey]), toolkits);
    const rotated = await resealToCurrentKey(stale.database.db, createVault(newKey.key, [oldKey.key]));
    expect(rotated.retired_key_ids).toEqual([oldKey.key.id]);
    const refused = await restCall(stale, instance.adminKey())('POST', '/v1/admin/master-key/rotate');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain(`master key ${oldKey.key.id}, which a master-key rotation retired`);
    await expectAllSealedWith(stale.database.db, newKey.key);
  });
});
