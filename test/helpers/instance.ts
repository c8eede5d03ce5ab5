import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolkitDefinition } from '../../src/catalog/index.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { createSwitchboardServer, type SwitchboardServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './server.js';

/**
 * One instance's storage that outlives its servers: a data directory (embedded database on disk,
 * master-key file, admin-key file) or a PostgreSQL database, for tests that restart a server with
 * other settings. Without SWITCHBOARD_MASTER_KEY in `env` the key lives in `<dataDir>/master-key`.
 */
export interface TestInstance {
  readonly dataDir: string;
  readonly database: TestDatabase;
  /** This instance's configuration with `env` on top. */
  config(env?: Record<string, string>): Config;
  /** Starts an in-process server on this storage (rejects like a real start would). */
  start(env?: Record<string, string>, options?: { toolkits?: ToolkitDefinition[]; logStream?: NodeJS.WritableStream }): Promise<SwitchboardServer>;
  /** The admin key written at the first start. */
  adminKey(): string;
  /** Closes servers still open, drops the database and removes the data directory. */
  remove(): Promise<void>;
}

export async function createTestInstance(): Promise<TestInstance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-instance-'));
  const database = await createTestDatabase();
  const open = new Set<SwitchboardServer>();
  const config = (env: Record<string, string> = {}) =>
    loadConfig({
      cwd: dataDir,
      env: {
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_LOG_LEVEL: 'silent',
        SWITCHBOARD_PORT: '0',
        ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
        ...env,
      },
    });
  return {
    dataDir,
    database,
    config,
    async start(env = {}, options = {}) {
      const server = await createSwitchboardServer(config(env), {
        ...(options.toolkits ? { toolkits: options.toolkits } : {}),
        ...(options.logStream ? { logStream: options.logStream } : {}),
      });
      open.add(server);
      const close = server.close.bind(server);
      server.close = async () => {
        open.delete(server);
        await close();
      };
      return server;
    },
    adminKey: () => readFileSync(join(dataDir, 'admin-key'), 'utf8').trim(),
    async remove() {
      for (const server of [...open]) await server.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
