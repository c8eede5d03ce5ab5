import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { StartupError } from '../errors.js';
import { migrationsFolder } from './migrations-folder.js';
import { createLocalNotifications, createPostgresNotifications, type NotificationChannel } from './notifications.js';
import { buildPgliteTemplate, pgliteTemplatePath, readPgliteTemplate } from './pglite-template.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The one database type modules see, whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseKind = 'embedded' | 'postgres';

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: DatabaseKind;
  /** Where the data lives, without credentials: a directory or `postgres://host:port/name`. */
  readonly location: string;
  /** Signals between the processes on this database (LISTEN/NOTIFY on PostgreSQL, in-process when embedded). */
  readonly notifications: NotificationChannel;
  /** Throws if the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; when absent the embedded database is used. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded database files (`<dataDir>/pglite`). Ignored with `databaseUrl`. */
  dataDir?: string;
  /** Embedded database kept in memory only (tests). */
  inMemory?: boolean;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
}

// Serialises start-up migrations across processes sharing one PostgreSQL database.
const migrationLockId = 0x5b0a4d;

/** Strips the password from a connection string so it can be shown in logs and errors. */
export function describePostgresUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `postgres://${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'postgres://(unparseable DATABASE_URL)';
  }
}

async function openEmbedded(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  let location = 'memory://';
  if (!options.inMemory) {
    if (!options.dataDir) throw new StartupError('The embedded database needs a data directory (SWITCHBOARD_DATA_DIR).');
    location = join(options.dataDir, 'pglite');
    mkdirSync(location, { recursive: true, mode: 0o700 });
  }
  // A new cluster starts from the prepared template (see pglite-template.ts), built now if a
  // schema change made the cached one stale.
  const isNewCluster = options.inMemory || !existsSync(join(location, 'PG_VERSION'));
  if (isNewCluster && !existsSync(pgliteTemplatePath())) await buildPgliteTemplate();
  const template = isNewCluster ? readPgliteTemplate() : undefined;
  const pgliteOptions = template ? { loadDataDir: template } : {};
  const client = options.inMemory ? new PGlite(pgliteOptions) : new PGlite(location, pgliteOptions);
  await client.waitReady;
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder });
  const notifications = createLocalNotifications();
  return {
    db: db as unknown as Database,
    kind: 'embedded',
    location,
    notifications,
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      await notifications.close();
      await client.close();
    },
  };
}

async function openPostgres(databaseUrl: string, options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const location = describePostgresUrl(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not take the process down; the next query reconnects.
  pool.on('error', () => {});
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    throw new StartupError(`Cannot connect to PostgreSQL at ${location}: ${(error as Error).message}. Check DATABASE_URL.`);
  }
  try {
    await client.query('select pg_advisory_lock($1)', [migrationLockId]);
    await migratePostgres(drizzlePostgres({ client, schema }), { migrationsFolder });
  } catch (error) {
    throw new StartupError(`Cannot apply database migrations on ${location}: ${(error as Error).message}`);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [migrationLockId]).catch(() => {});
    client.release();
  }
  const db = drizzlePostgres({ client: pool, schema });
  const notifications = createPostgresNotifications(databaseUrl, pool);
  return {
    db: db as unknown as Database,
    kind: 'postgres',
    location,
    notifications,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await notifications.close();
      await pool.end();
    },
  };
}

/** Opens the database and brings its schema up to date (migrations run at every start). */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openEmbedded(options);
}
