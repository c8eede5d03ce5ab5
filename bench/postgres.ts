import { randomBytes } from 'node:crypto';
import pg from 'pg';

const adminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const benchDatabaseName = /^sbbench_\d+_[0-9a-f]{8}$/;

export type PostgresProbe = { reachable: true; version: string } | { reachable: false; reason: string };

const createdDatabases = new Set<string>();

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function probePostgres(): Promise<PostgresProbe> {
  try {
    const version = await withAdminClient(async (client) => {
      const result = await client.query<{ server_version: string }>('show server_version');
      return result.rows[0]?.server_version ?? 'unknown';
    });
    return { reachable: true, version };
  } catch (error) {
    return { reachable: false, reason: (error as Error).message };
  }
}

function databaseUrl(name: string): string {
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

/** Creates an empty database named `sbbench_<pid>_<random>`; resolves to its connection string. */
export async function createBenchDatabase(): Promise<string> {
  const name = `sbbench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) => client.query(`create database "${name}"`));
  createdDatabases.add(name);
  return databaseUrl(name);
}

/** Drops the databases this run created, and nothing else. */
export async function dropBenchDatabases(): Promise<void> {
  if (createdDatabases.size === 0) return;
  await withAdminClient(async (client) => {
    for (const name of createdDatabases) {
      if (!benchDatabaseName.test(name)) throw new Error(`refusing to drop ${name}: not a benchmark database`);
      await client.query(`drop database if exists "${name}" with (force)`);
      createdDatabases.delete(name);
    }
  });
}
