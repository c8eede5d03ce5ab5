import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { adminPostgresUrl, testRunPrefix } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAvailable: boolean;
    postgresRunPrefix: string;
  }
}

/**
 * Checks the PostgreSQL server once per run. Under CI it must be there; on a developer machine
 * without one the PostgreSQL half of the suite is skipped with a warning.
 */
export default async function setup(project: TestProject) {
  const prefix = testRunPrefix();
  const client = new pg.Client({ connectionString: adminPostgresUrl(), connectionTimeoutMillis: 3000 });
  let available = true;
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    available = false;
    if (process.env.CI) throw new Error(`PostgreSQL at ${adminPostgresUrl()} is required under CI: ${(error as Error).message}`);
    console.warn(`\n[postgres] ${adminPostgresUrl()} unreachable (${(error as Error).message}); PostgreSQL tests are skipped.\n`);
  }
  project.provide('postgresAvailable', available);
  project.provide('postgresRunPrefix', prefix);

  return async () => {
    if (!available) return;
    // Drop whatever this run created and a test failed to drop; nothing else is touched.
    const admin = new pg.Client({ connectionString: adminPostgresUrl() });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${prefix}%`]);
    for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
    await admin.end();
  };
}
