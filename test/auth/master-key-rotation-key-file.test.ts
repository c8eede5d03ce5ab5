import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVault, generateMasterKey } from '../../src/auth/index.js';
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
  seedSecrets,
  testKey,
  type Upstream,
} from './rotation-fixtures.js';

// The key-file path (no SWITCHBOARD_MASTER_KEY): the running server generates the new key,
// switches <data dir>/master-key, seals with the new key at once and re-wraps everything.

const env = { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' };
const toolkits = { toolkits: rotationToolkits };

describe.skipIf(!testDatabaseAvailable())('master-key rotation with a data-directory key file', () => {
  let upstream: Upstream;
  let instance: TestInstance;
  const keyFile = () => join(instance.dataDir, 'master-key');
  const previousFile = () => join(instance.dataDir, 'master-key.previous');
  const fileKey = () => testKey(readFileSync(keyFile(), 'utf8').trim());

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
  });
  afterAll(async () => upstream?.close());
  beforeEach(async () => {
    instance = await createTestInstance();
  });
  afterEach(async () => instance?.remove());

  it('switches the key file and re-wraps everything while the server keeps serving; a restart opens everything with the new file', async () => {
    const server = await instance.start(env, toolkits);
    expect(server.masterKeySource).toBe('generated');
    const call = restCall(server, instance.adminKey());
    const seeded = await seedSecrets(call, upstream, 3);
    const oldKey = fileKey();
    expect(oldKey.key.id).toBe(server.vault.currentKeyId);

    // Requests keep flowing during the rotation, and every one of them succeeds.
    let rotating = true;
    const traffic = (async () => {
      let served = 0;
      while (rotating || served === 0) {
        const [config, executed] = await Promise.all([
          call('GET', `/v1/auth-configs/${seeded.authConfigId}`),
          call('POST', '/v1/tools/NOTES_CREATE_NOTE/execute', { user_id: 'user-1', arguments: { title: 'during rotation' } }),
        ]);
        expect(config.statusCode).toBe(200);
        expect(executed.json().successful).toBe(true);
        served++;
      }
      return served;
    })();
    const rotated = await call('POST', '/v1/admin/master-key/rotate');
    rotating = false;
    expect(await traffic).toBeGreaterThan(0);

    expect(rotated.statusCode, rotated.body).toBe(200);
    const newKey = fileKey();
    expect(newKey.key.id).not.toBe(oldKey.key.id);
    expect(rotated.json()).toEqual({
      resealed: 4,
      columns: {
        'auth_configs.client_secret': { resealed: 1, changed_concurrently: 0 },
        'connected_accounts.credentials': { resealed: 3, changed_concurrently: 0 },
        'connect_links.code_verifier': { resealed: 0, changed_concurrently: 0 },
      },
      retired_key_ids: [oldKey.key.id],
      current_key_id: newKey.key.id,
      generated_key: true,
    });
    expectNoKeyMaterial(rotated.body, [oldKey, newKey]);
    expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(existsSync(previousFile())).toBe(false);
    expect(readdirSync(instance.dataDir).filter((name) => name.includes('master-key'))).toEqual(['master-key']);

    // The running server seals with the new key from now on, and reads everything.
    expect(server.vault.currentKeyId).toBe(newKey.key.id);
    const created = await call('POST', '/v1/auth-configs', {
      toolkit: 'bitbucket',
      scheme: 'oauth2_client_credentials',
      client_id: 'x',
      client_secret: 'after-the-switch',
    });
    expect(created.statusCode).toBe(201);
    await expectAllSealedWith(server.database.db, newKey.key);
    await expectSecretsWork(call, upstream, seeded);
    expect(await masterKeyRows(server.database.db)).toEqual([
      { key_id: oldKey.key.id, retired: true },
      { key_id: newKey.key.id, retired: false },
    ]);
    await server.close();

    const restarted = await instance.start(env, toolkits);
    expect(restarted.masterKeySource).toBe('data-dir');
    expect(restarted.vault.keyIds).toEqual([newKey.key.id]);
    await expectSecretsWork(restCall(restarted, instance.adminKey()), upstream, seeded);
    await restarted.close();

    // Putting the retired key back into the file is refused, with the id of the key to use.
    writeFileSync(keyFile(), `${oldKey.encoded}\n`, { mode: 0o600 });
    const refused = await instance.start(env, toolkits).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StartupError);
    expect((refused as Error).message).toContain(`from ${keyFile()}`);
    expect((refused as Error).message).toContain(`put the key whose id is ${newKey.key.id} into ${keyFile()}`);
    expectNoKeyMaterial((refused as Error).message, [oldKey, newKey]);
  });

  it('keeps the replaced key in master-key.previous until a rotation finishes, so a restart half-way still opens everything', async () => {
    const server = await instance.start(env, toolkits);
    const call = restCall(server, instance.adminKey());
    const seeded = await seedSecrets(call, upstream, 2);
    const firstKey = fileKey();
    // A value no configured key opens stops the rotation after the key switch.
    const orphanKey = testKey(generateMasterKey());
    const orphan = createVault(orphanKey.key).seal('{}', `connected_account:${seeded.accountIds[1]}`);
    await server.database.db.execute(sql`update connected_accounts set credentials = ${orphan} where id = ${seeded.accountIds[1]!}`);

    const stopped = await call('POST', '/v1/admin/master-key/rotate');
    expect(stopped.statusCode).toBe(409);
    expect(stopped.json().error.details).toMatchObject({ id: seeded.accountIds[1], key_id: orphanKey.key.id });
    const secondKey = fileKey();
    expect(secondKey.key.id).not.toBe(firstKey.key.id);
    expect(readFileSync(previousFile(), 'utf8')).toBe(`${firstKey.encoded}\n`);
    expect(statSync(previousFile()).mode & 0o777).toBe(0o600);
    expect(await masterKeyRows(server.database.db)).toEqual([
      { key_id: firstKey.key.id, retired: false },
      { key_id: secondKey.key.id, retired: false },
    ]);
    await server.close();

    // A restart now reads master-key and master-key.previous: nothing is lost.
    const restarted = await instance.start(env, toolkits);
    expect(restarted.vault.keyIds).toEqual([secondKey.key.id, firstKey.key.id]);
    const again = restCall(restarted, instance.adminKey());
    expect((await again('GET', `/v1/auth-configs/${seeded.authConfigId}`)).json().client_secret_hint).toBe(`••••${seeded.clientSecret.slice(-4)}`);

    // With the unreadable account gone, the next rotation finishes and retires both older keys.
    expect((await again('DELETE', `/v1/connected-accounts/${seeded.accountIds[1]}`)).statusCode).toBe(204);
    const finished = await again('POST', '/v1/admin/master-key/rotate');
    expect(finished.statusCode, finished.body).toBe(200);
    const thirdKey = fileKey();
    expect(finished.json()).toMatchObject({ current_key_id: thirdKey.key.id, retired_key_ids: [firstKey.key.id, secondKey.key.id].sort() });
    expect(existsSync(previousFile())).toBe(false);
    await expectAllSealedWith(restarted.database.db, thirdKey.key);
    await expectSecretsWork(again, upstream, { ...seeded, accountIds: seeded.accountIds.slice(0, 1), apiKeys: seeded.apiKeys.slice(0, 1) });
  });

  it('refuses a second rotation while one is running', async () => {
    const server = await instance.start(env, toolkits);
    const call = restCall(server, instance.adminKey());
    await seedSecrets(call, upstream, 2);
    const [first, second] = await Promise.all([call('POST', '/v1/admin/master-key/rotate'), call('POST', '/v1/admin/master-key/rotate')]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 409]);
    const refused = first.statusCode === 409 ? first : second;
    expect(refused.json().error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already running') });
    await expectAllSealedWith(server.database.db, fileKey().key);
  });
});
