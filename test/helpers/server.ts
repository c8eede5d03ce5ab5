import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { generateMasterKey } from '../../src/auth/index.js';
import type { ToolkitDefinition } from '../../src/catalog/index.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { createSwitchboardServer, type SwitchboardServer } from '../../src/server.js';
import { createPostgresDatabase, type TestPostgresDatabase } from './postgres.js';

export type TestDatabaseKind = 'embedded' | 'postgres';

/** Which database this vitest project runs against (see vitest.config.ts). */
export function testDatabaseKind(): TestDatabaseKind {
  return process.env.SWITCHBOARD_TEST_DB === 'postgres' ? 'postgres' : 'embedded';
}

/** True when this project's database can be used; PostgreSQL tests skip without a server outside CI. */
export function testDatabaseAvailable(): boolean {
  return testDatabaseKind() === 'embedded' || inject('postgresAvailable');
}

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** Set for PostgreSQL. */
  databaseUrl?: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database for this test, or nothing for the embedded kind (it lives in the data dir). */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'embedded') return { kind: 'embedded', drop: async () => {} };
  const database: TestPostgresDatabase = await createPostgresDatabase(inject('postgresRunPrefix'));
  return { kind: 'postgres', databaseUrl: database.url, drop: () => database.drop() };
}

export interface TestServer {
  server: SwitchboardServer;
  config: Config;
  /** Admin key of the default project created at start. */
  adminKey: string;
  dataDir: string;
  databaseUrl?: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** Keep the embedded database on disk in `dataDir` instead of in memory. */
  onDisk?: boolean;
  logStream?: NodeJS.WritableStream;
  /** Serve these toolkits instead of the built-in ones. */
  toolkits?: ToolkitDefinition[];
}

/** Starts an in-process server on this project's database kind; `close()` removes everything it made. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const database = await createTestDatabase();
  const config = loadConfig({
    cwd: dataDir,
    env: {
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_LOG_LEVEL: 'silent',
      SWITCHBOARD_MASTER_KEY: generateMasterKey(),
      SWITCHBOARD_PORT: '0',
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      ...options.env,
    },
  });
  const server = await createSwitchboardServer(config, {
    inMemoryDatabase: database.kind === 'embedded' && !options.onDisk,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.toolkits ? { toolkits: options.toolkits } : {}),
  });
  const adminKey = server.bootstrapResult.created?.adminKey.key;
  if (!adminKey) throw new Error('test server did not bootstrap an admin key');
  return {
    server,
    config,
    adminKey,
    dataDir,
    ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}),
    async close() {
      await server.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
