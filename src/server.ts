import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createVault, generateMasterKey, loadMasterKey, type MasterKeySource, parseMasterKey, registerMasterKey, type Vault } from './auth/index.js';
import type { Config } from './config/index.js';
import { acquireDataDirLock, type DatabaseHandle, type DataDirLock, openDatabase } from './db/index.js';
import { buildHttpServer } from './http/index.js';
import { type BootstrapResult, createTenancyService, type TenancyService } from './tenancy/index.js';
import { version } from './version.js';

export interface CoreOptions {
  /** Embedded database in memory, no files, no lock (tests). */
  inMemoryDatabase?: boolean;
}

/** The services of one process, without any network surface: shared by `serve` and `--offline` CLI commands. */
export interface SwitchboardCore {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly vault: Vault;
  readonly masterKeySource: MasterKeySource | 'ephemeral';
  readonly tenancy: TenancyService;
  close(): Promise<void>;
}

export function adminKeyPath(config: Config): string {
  return join(config.dataDir, 'admin-key');
}

/** Opens storage and the vault, applies migrations and checks the master key. */
export async function openCore(config: Config, options: CoreOptions = {}): Promise<SwitchboardCore> {
  const embeddedOnDisk = !config.databaseUrl && !options.inMemoryDatabase;
  const lock: DataDirLock | undefined = embeddedOnDisk ? acquireDataDirLock(config.dataDir) : undefined;
  let database: DatabaseHandle | undefined;
  try {
    const { masterKey, source } =
      options.inMemoryDatabase && !config.masterKey
        ? { masterKey: parseMasterKey(generateMasterKey(), 'generated key'), source: 'ephemeral' as const }
        : loadMasterKey({ configured: config.masterKey, dataDir: config.dataDir });
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, inMemory: options.inMemoryDatabase ?? false });
    const vault = createVault(masterKey);
    await registerMasterKey(database.db, vault);
    const opened = database;
    return {
      config,
      database: opened,
      vault,
      masterKeySource: source,
      tenancy: createTenancyService(opened.db),
      async close() {
        await opened.close();
        lock?.release();
      },
    };
  } catch (error) {
    await database?.close().catch(() => {});
    lock?.release();
    throw error;
  }
}

/**
 * Creates the default project and admin key on an empty instance and writes the key to
 * `<dataDir>/admin-key` (mode 0600) so a newcomer can use it at once.
 */
export async function bootstrap(core: SwitchboardCore, options: { writeKeyFile: boolean }): Promise<BootstrapResult & { keyFile?: string }> {
  const result = await core.tenancy.bootstrap();
  if (!result.created || !options.writeKeyFile) return result;
  const keyFile = adminKeyPath(core.config);
  writeFileSync(keyFile, `${result.created.adminKey.key}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return { ...result, keyFile };
}

export interface SwitchboardServer extends SwitchboardCore {
  readonly app: FastifyInstance;
  readonly bootstrapResult: BootstrapResult & { keyFile?: string };
  /** Starts listening; resolves to the bound URL. */
  listen(): Promise<string>;
}

export interface CreateServerOptions extends CoreOptions {
  logStream?: NodeJS.WritableStream;
}

/** The composition root: storage, vault, tenancy and the HTTP surface of one Switchboard process. */
export async function createSwitchboardServer(config: Config, options: CreateServerOptions = {}): Promise<SwitchboardServer> {
  const core = await openCore(config, options);
  try {
    const bootstrapResult = await bootstrap(core, { writeKeyFile: !options.inMemoryDatabase });
    const app = await buildHttpServer({
      database: core.database,
      tenancy: core.tenancy,
      version,
      publicUrl: config.publicUrl,
      logLevel: config.logLevel,
      ...(options.logStream ? { logStream: options.logStream } : {}),
      bodyLimit: config.bodyLimit,
      rateLimit: config.rateLimit,
    });
    let closed = false;
    return {
      ...core,
      app,
      bootstrapResult,
      async listen() {
        return app.listen({ port: config.port, host: config.host });
      },
      async close() {
        if (closed) return;
        closed = true;
        await app.close();
        await core.close();
      },
    };
  } catch (error) {
    await core.close();
    throw error;
  }
}
