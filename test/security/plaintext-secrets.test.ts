import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { startTestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe.skipIf(!testDatabaseAvailable())('secrets at rest and in logs', () => {
  it('stores no API key or master key in plaintext: not in any row, file of the database, or log line', async () => {
    const logs: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    const t = await startTestServer({ onDisk: true, logStream: stream, env: { SWITCHBOARD_LOG_LEVEL: 'trace' } });
    const masterKey = t.config.masterKey!;
    const issued = [t.adminKey];
    try {
      const app = t.server.app;
      for (const scopes of [['tools:execute'], ['manage'], ['admin']]) {
        const created = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { 'x-api-key': t.adminKey }, payload: { name: 'k', scopes } });
        issued.push(created.json().key);
      }
      // Use each key both ways, fail with some, revoke one: every path that touches a key.
      for (const key of issued) {
        await app.inject({ method: 'GET', url: '/v1/projects', headers: { 'x-api-key': key } });
        await app.inject({ method: 'GET', url: `/v1/projects?api_key=${key}`, headers: { authorization: `Bearer ${key}` } });
        await app.inject({ method: 'GET', url: '/v1/projects', headers: { 'x-api-key': `${key.slice(0, -1)}x` } });
      }
      const listed = (await app.inject({ method: 'GET', url: '/v1/api-keys', headers: { 'x-api-key': t.adminKey } })).json();
      await app.inject({ method: 'DELETE', url: `/v1/api-keys/${listed.items[1].id}`, headers: { 'x-api-key': t.adminKey } });
      await app.inject({ method: 'GET', url: '/v1/projects', headers: { 'x-api-key': issued[1]! } });

      const db = t.server.database.db;
      const tableRows = await db.execute<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
      );
      const tableNames = (tableRows as unknown as { rows: { table_name: string }[] }).rows.map((row) => row.table_name);
      expect(tableNames).toEqual(expect.arrayContaining(['projects', 'api_keys', 'users', 'master_keys']));
      let dump = '';
      for (const table of tableNames) {
        const rows = await db.execute(sql.raw(`select t::text as row from "${table}" t`));
        dump += (rows as unknown as { rows: { row: string }[] }).rows.map((row) => row.row).join('\n');
      }
      expect(dump).toContain('sk_'); // the scan sees the prefixes, so it would see a whole key
      const masterKeyHex = Buffer.from(masterKey, 'base64').toString('hex');
      for (const secret of [...issued, masterKey, masterKeyHex]) expect(dump).not.toContain(secret);

      const logText = logs.join('');
      expect(logText).toContain('/v1/projects');
      for (const secret of [...issued, masterKey]) expect(logText).not.toContain(secret);
    } finally {
      await t.server.close();
    }

    if (testDatabaseKind() === 'embedded') {
      const files = filesUnder(join(t.dataDir, 'pglite'));
      expect(files.length).toBeGreaterThan(100);
      const needles = [...issued, masterKey].map((secret) => Buffer.from(secret));
      for (const file of files) {
        const bytes = readFileSync(file);
        for (const needle of needles) expect(bytes.indexOf(needle), `${file} holds a secret`).toBe(-1);
      }
    }
    await t.close();
  });
});
