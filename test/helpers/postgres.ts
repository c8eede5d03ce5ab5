import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Connection to the server's maintenance database, used only to create and drop test databases. */
export function adminPostgresUrl(): string {
  return process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function testRunPrefix(): string {
  return `sbtest_${process.pid}_${randomBytes(3).toString('hex')}_`;
}

export interface TestPostgresDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a fresh, empty database named `<run prefix><suffix>` and returns its URL. */
export async function createPostgresDatabase(runPrefix: string): Promise<TestPostgresDatabase> {
  const name = `${runPrefix}${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminPostgresUrl() });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminPostgresUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminPostgresUrl() });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    },
  };
}
