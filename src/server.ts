import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  type AuthConfigService,
  type ConnectedAccountService,
  type ConnectLinkService,
  type CredentialResolver,
  createAuthConfigService,
  createConnectedAccountService,
  createConnectLinkService,
  createCredentialResolver,
  createMasterKeyService,
  createOAuthClient,
  createVault,
  generateMasterKey,
  loadMasterKey,
  type MasterKeyService,
  type MasterKeySource,
  parseMasterKey,
  parsePreviousMasterKeys,
  registerMasterKey,
  type Vault,
} from './auth/index.js';
import { builtinToolkitsDir, type Catalog, createCatalog, loadToolkitsFrom, type ToolkitDefinition } from './catalog/index.js';
import { composioDialect } from './compat/composio/index.js';
import type { Config } from './config/index.js';
import { acquireDataDirLock, type ChangeFeed, createChangeFeed, type DatabaseHandle, type DataDirLock, openDatabase } from './db/index.js';
import { StartupError } from './errors.js';
import { type AuditLog, createAuditLog, createExecutor, type Executor } from './execution/index.js';
import { buildHttpServer } from './http/index.js';
import { createImporter, type Importer } from './importer/index.js';
import {
  createDatabaseEventBus,
  createLegacySseTransport,
  createMcpEndpoint,
  createTransportSessionStore,
  type LegacySseTransport,
  type McpEndpoint,
} from './mcp/index.js';
import { createOutboundClient, createOutboundPolicy, type OutboundClient } from './outbound/index.js';
import { createRouter, type Router } from './router/index.js';
import { createEmbeddingsReranker } from './search/index.js';
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
  /** Data directory holding the `master-key` file, when the key comes from there (not SWITCHBOARD_MASTER_KEY). */
  readonly masterKeyFileDir: string | undefined;
  /** Drops cached rows on every instance when they change. */
  readonly changes: ChangeFeed;
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
    const { masterKey, source, previous, path } =
      options.inMemoryDatabase && !config.masterKey
        ? {
            masterKey: parseMasterKey(generateMasterKey(), 'generated key'),
            source: 'ephemeral' as const,
            previous: parsePreviousMasterKeys(config.previousMasterKeys, 'SWITCHBOARD_PREVIOUS_MASTER_KEYS'),
            path: undefined,
          }
        : loadMasterKey({ configured: config.masterKey, configuredPrevious: config.previousMasterKeys, dataDir: config.dataDir });
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, inMemory: options.inMemoryDatabase ?? false });
    const vault = createVault(masterKey, previous);
    await registerMasterKey(database.db, vault, { keyFile: path });
    const opened = database;
    const changes = createChangeFeed(opened.notifications);
    await changes.start();
    return {
      config,
      database: opened,
      vault,
      masterKeySource: source,
      masterKeyFileDir: path ? config.dataDir : undefined,
      changes,
      tenancy: createTenancyService(opened.db, changes),
      async close() {
        await changes.stop();
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
export async function bootstrap(core: SwitchboardCore, options: { writeKeyFile: boolean }): Promise<BootstrapOutcome> {
  const result = await core.tenancy.bootstrap();
  if (!result.created || !options.writeKeyFile) return result;
  const keyFile = adminKeyPath(core.config);
  try {
    mkdirSync(core.config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, `${result.created.adminKey.key}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    return { ...result, keyFile };
  } catch (error) {
    // The key is committed already: losing the file must not lose the key, so it is still printed.
    return { ...result, keyFileError: `could not save it to ${keyFile}: ${(error as Error).message}` };
  }
}

export type BootstrapOutcome = BootstrapResult & { keyFile?: string; keyFileError?: string };

/** The services above storage: catalog, managed auth, executor and audit. */
export interface SwitchboardServices {
  readonly catalog: Catalog;
  readonly accounts: ConnectedAccountService;
  readonly credentials: CredentialResolver;
  readonly authConfigs: AuthConfigService;
  readonly connectLinks: ConnectLinkService;
  readonly audit: AuditLog;
  readonly executor: Executor;
  readonly outbound: OutboundClient;
  readonly importer: Importer;
  readonly router: Router;
  readonly mcp: McpEndpoint;
  readonly mcpSse: LegacySseTransport;
  readonly masterKeys: MasterKeyService;
}

export interface ServiceOptions {
  toolkits?: ToolkitDefinition[];
  /** The public base URL, when it is only known after listening (port 0); default the configured one. */
  publicUrl?: () => string;
  /** Where best-effort failures (e.g. a token revocation the provider refused) are reported. */
  warn?: (message: string, details: Record<string, unknown>) => void;
  /** Where failures that lose data (an audit row the database refused) are reported; default stderr. */
  error?: (message: string, details: Record<string, unknown>) => void;
}

export function createServices(core: SwitchboardCore, options: ServiceOptions = {}): SwitchboardServices {
  const db = core.database.db;
  const { vault } = core;
  const publicUrl = options.publicUrl ?? (() => core.config.publicUrl);
  const catalog = createCatalog(db, options.toolkits ?? loadToolkitsFrom(builtinToolkitsDir), core.changes);
  const toolkits = catalog.authFacts;
  const outbound = createOutboundClient(createOutboundPolicy(core.config.allowPrivateNetworks));
  const oauth = createOAuthClient(outbound);
  const credentials = createCredentialResolver({ db, vault, oauth, toolkits, cacheResolutions: core.database.kind === 'embedded' });
  const accounts = createConnectedAccountService({ db, vault, oauth, resolver: credentials, toolkits, ...(options.warn ? { warn: options.warn } : {}) });
  const authConfigs = createAuthConfigService(db, vault, { publicUrl });
  const connectLinks = createConnectLinkService({ db, vault, oauth, resolver: credentials, toolkits, publicUrl });
  const audit = createAuditLog(db, options.error ? { onWriteError: (message, details) => options.error!(message, details) } : {});
  const executor = createExecutor({
    catalog,
    credentials,
    audit,
    tenancy: core.tenancy,
    outbound,
    timeoutMs: core.config.toolTimeoutMs,
  });
  const masterKeys = createMasterKeyService(db, core.vault, { keyFileDir: core.masterKeyFileDir });
  const importer = createImporter({ catalog, fetch: (url, init) => outbound.fetch(url, init) });
  const embeddings = core.config.embeddings;
  const reranker = embeddings
    ? createEmbeddingsReranker(embeddings, (error) => options.warn?.('Embeddings re-ranking failed; lexical order kept', { reason: error.message }))
    : undefined;
  const router = createRouter({
    db,
    catalog,
    executor,
    accounts,
    connectLinks,
    vault,
    publicUrl,
    changes: core.changes,
    reranker,
    dialects: { composio: composioDialect },
    ...(options.warn ? { warn: options.warn } : {}),
  });
  const mcp = createMcpEndpoint({
    router,
    tenancy: core.tenancy,
    transportSessions: createTransportSessionStore(db, core.changes),
    bus: createDatabaseEventBus(core.database.notifications),
    publicUrl,
    ...(options.warn ? { onerror: (error: Error) => options.warn!('MCP request failed', { reason: error.message }) } : {}),
  });
  const mcpSse = createLegacySseTransport({
    router,
    tenancy: core.tenancy,
    db,
    vault,
    notifications: core.database.notifications,
    publicUrl,
    ...(options.warn ? { onerror: (error: Error) => options.warn!('MCP SSE transport failed', { reason: error.message }) } : {}),
  });
  return { catalog, accounts, credentials, authConfigs, connectLinks, audit, executor, outbound, importer, masterKeys, router, mcp, mcpSse };
}

export interface SwitchboardServer extends SwitchboardCore, SwitchboardServices {
  readonly app: FastifyInstance;
  readonly bootstrapResult: BootstrapOutcome;
  /** Starts listening; resolves to the bound URL. */
  listen(): Promise<string>;
}

export interface CreateServerOptions extends CoreOptions {
  logStream?: NodeJS.WritableStream;
  /** Toolkits to serve instead of the built-in ones (tests). */
  toolkits?: ToolkitDefinition[];
}

/** The composition root: storage, vault, tenancy and the HTTP surface of one Switchboard process. */
export async function createSwitchboardServer(config: Config, options: CreateServerOptions = {}): Promise<SwitchboardServer> {
  const core = await openCore(config, options);
  try {
    const bootstrapResult = await bootstrap(core, { writeKeyFile: !options.inMemoryDatabase });
    let publicUrl = config.publicUrl;
    let app: FastifyInstance | undefined;
    const services = createServices(core, {
      ...(options.toolkits ? { toolkits: options.toolkits } : {}),
      publicUrl: () => publicUrl,
      warn: (message, details) => app?.log.warn(details, message),
      error: (message, details) => app?.log.error(details, message),
    });
    app = await buildHttpServer({
      database: core.database,
      tenancy: core.tenancy,
      ...services,
      version,
      publicUrl: config.publicUrl,
      logLevel: config.logLevel,
      ...(options.logStream ? { logStream: options.logStream } : {}),
      bodyLimit: config.bodyLimit,
      rateLimit: config.rateLimit,
    });
    const http = app;
    let closed = false;
    // Accounts whose connect link expired unused become EXPIRED; idempotent, so every instance may run it.
    const sweeper = setInterval(() => {
      services.connectLinks.sweep().catch((error: unknown) => http.log.warn({ err: error }, 'connect-link sweep failed'));
      services.router.sweep().catch((error: unknown) => http.log.warn({ err: error }, 'stored-result sweep failed'));
    }, 60_000);
    sweeper.unref();
    return {
      ...core,
      ...services,
      app: http,
      bootstrapResult,
      async listen() {
        try {
          const bound = await http.listen({ port: config.port, host: config.host });
          // A public URL with port 0 cannot be reached: it becomes the port actually bound.
          const configured = new URL(config.publicUrl);
          if (configured.port === '0') {
            configured.port = new URL(bound).port;
            publicUrl = configured.href.replace(/\/+$/, '');
          }
          return bound;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') {
            throw new StartupError(`Port ${config.port} on ${config.host} is already in use; stop the other process or set SWITCHBOARD_PORT.`);
          }
          if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
            throw new StartupError(`Cannot listen on ${config.host}:${config.port} (${code}); check SWITCHBOARD_HOST and SWITCHBOARD_PORT.`);
          }
          throw error;
        }
      },
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(sweeper);
        await services.mcpSse.close();
        await services.mcp.close();
        await http.close();
        await services.executor.close();
        await services.outbound.close();
        await core.close();
      },
    };
  } catch (error) {
    await core.close();
    throw error;
  }
}
