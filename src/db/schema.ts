import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Millisecond precision: timestamps round-trip through JavaScript Dates unchanged (keyset cursors rely on it). */
const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });
const createdAt = () => instant('created_at').notNull().defaultNow();
const updatedAt = () => instant('updated_at').notNull().defaultNow();

/** A tenant. Every other row belongs to exactly one project. */
export const projects = pgTable('projects', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * API keys are stored as a SHA-256 hash of the whole key plus a lookup prefix (`sk_` and the
 * first 10 characters), so a request costs one indexed read and the plaintext is never stored.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    /** Set for a key bound to one end user: it acts only for that user. */
    userId: text('user_id'),
    createdAt: createdAt(),
    expiresAt: instant('expires_at'),
    lastUsedAt: instant('last_used_at'),
    revokedAt: instant('revoked_at'),
  },
  (table) => [index('api_keys_project_created_idx').on(table.projectId, table.createdAt, table.id)],
);

/** End users, identified by the caller's own `user_id` string, per project. */
export const users = pgTable(
  'users',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    createdAt: createdAt(),
    lastSeenAt: instant('last_seen_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.projectId, table.userId] })],
);

/**
 * Fingerprints (key ids) of the master keys secrets in this database are encrypted under. Lets a
 * process refuse to start with the wrong master key instead of failing on the first decrypt.
 */
export const masterKeys = pgTable('master_keys', {
  keyId: text('key_id').primaryKey(),
  createdAt: createdAt(),
  retiredAt: instant('retired_at'),
});

/** Toolkits a project defined itself (built-in ones ship in src/toolkits/). The definition is the toolkit format as JSON. */
export const toolkits = pgTable(
  'toolkits',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    version: text('version').notNull(),
    definition: jsonb('definition').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [primaryKey({ columns: [table.projectId, table.slug] })],
);

/** Every version a user-defined toolkit had, for audit and rollback. */
export const toolkitVersions = pgTable(
  'toolkit_versions',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    version: text('version').notNull(),
    definition: jsonb('definition').notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.projectId, table.slug, table.version] })],
);

/**
 * A user's connection to a toolkit. Credentials (typed-in fields, or OAuth tokens) are sealed by the
 * vault (bound to the account id); `credential_hints` holds masked hints only. `credentials_version`
 * grows with every credential change, so concurrent OAuth refreshes on several instances settle on one.
 */
export const connectedAccounts = pgTable(
  'connected_accounts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    toolkit: text('toolkit').notNull(),
    authScheme: text('auth_scheme').notNull(),
    authConfigId: text('auth_config_id').references(() => authConfigs.id, { onDelete: 'restrict' }),
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    credentials: text('credentials'),
    credentialsVersion: integer('credentials_version').notNull().default(0),
    tokenExpiresAt: instant('token_expires_at'),
    credentialHints: jsonb('credential_hints').notNull().default({}),
    baseUrl: text('base_url'),
    serverUrls: jsonb('server_urls'),
    alias: text('alias'),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    lastUsedAt: instant('last_used_at'),
  },
  (table) => [
    index('connected_accounts_user_idx').on(table.projectId, table.userId, table.toolkit),
    index('connected_accounts_auth_config_idx').on(table.authConfigId),
    uniqueIndex('connected_accounts_one_default').on(table.projectId, table.userId, table.toolkit).where(sql`${table.isDefault}`),
  ],
);

/**
 * A short-lived, single-use link that lets a person connect (or reconnect) one account on the hosted
 * connect page. Only the SHA-256 of the link token is stored. During an OAuth redirect the row holds
 * the hash of the pending state's nonce and the sealed PKCE code verifier.
 */
export const connectLinks = pgTable(
  'connect_links',
  {
    tokenHash: text('token_hash').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    toolkit: text('toolkit').notNull(),
    authScheme: text('auth_scheme').notNull(),
    authConfigId: text('auth_config_id').references(() => authConfigs.id, { onDelete: 'cascade' }),
    connectedAccountId: text('connected_account_id')
      .notNull()
      .references(() => connectedAccounts.id, { onDelete: 'cascade' }),
    reconnect: boolean('reconnect').notNull().default(false),
    callbackUrl: text('callback_url'),
    expiresAt: instant('expires_at').notNull(),
    completedAt: instant('completed_at'),
    oauthStateHash: text('oauth_state_hash'),
    codeVerifier: text('code_verifier'),
    createdAt: createdAt(),
  },
  (table) => [
    index('connect_links_account_idx').on(table.connectedAccountId),
    index('connect_links_pending_idx').on(table.expiresAt).where(sql`${table.completedAt} is null`),
  ],
);

/** Audit of every tool execution: who, which tool, outcome, timing and sizes; never secrets or raw arguments. */
export const executionLogs = pgTable(
  'execution_logs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id'),
    apiKeyId: text('api_key_id'),
    toolSlug: text('tool_slug').notNull(),
    toolkit: text('toolkit'),
    toolkitVersion: text('toolkit_version'),
    connectedAccountId: text('connected_account_id'),
    successful: boolean('successful').notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    httpStatus: integer('http_status'),
    attempts: integer('attempts').notNull().default(0),
    latencyMs: integer('latency_ms').notNull(),
    requestBytes: integer('request_bytes').notNull().default(0),
    responseBytes: integer('response_bytes').notNull().default(0),
    argumentsDigest: text('arguments_digest'),
    createdAt: createdAt(),
  },
  (table) => [index('execution_logs_project_created_idx').on(table.projectId, table.createdAt, table.id)],
);

/** How a project lets its users connect a toolkit: scheme, its own OAuth client (secret sealed), scopes, tool allow-list. */
export const authConfigs = pgTable(
  'auth_configs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    toolkit: text('toolkit').notNull(),
    name: text('name').notNull(),
    scheme: text('scheme').notNull(),
    clientId: text('client_id'),
    clientSecret: text('client_secret'),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    allowedTools: text('allowed_tools').array(),
    authorizationUrl: text('authorization_url'),
    tokenUrl: text('token_url'),
    revocationUrl: text('revocation_url'),
    baseUrl: text('base_url'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('auth_configs_project_toolkit_idx').on(table.projectId, table.toolkit)],
);

/**
 * A tool-router session: one end user, a policy (which toolkits, tools and tags it may use, which
 * accounts and auth configs) and an MCP URL. `version` grows with every change (optimistic PATCH).
 */
export const routerSessions = pgTable(
  'router_sessions',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    config: jsonb('config').notNull(),
    version: integer('version').notNull().default(1),
    createdByKeyId: text('created_by_key_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    expiresAt: instant('expires_at'),
  },
  (table) => [index('router_sessions_project_created_idx').on(table.projectId, table.createdAt, table.id)],
);

/**
 * A 2025-era Streamable HTTP transport session (`Mcp-Session-Id`). Kept in the database so any
 * instance serves any request of it: no sticky sessions.
 */
export const mcpTransportSessions = pgTable('mcp_transport_sessions', {
  id: text('id').primaryKey(),
  projectId: text('project_id')
    .notNull()
    .references(() => projects.id, { onDelete: 'cascade' }),
  routerSessionId: text('router_session_id').references(() => routerSessions.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  protocolVersion: text('protocol_version').notNull(),
  clientInfo: jsonb('client_info'),
  logLevel: text('log_level'),
  createdAt: createdAt(),
  lastSeenAt: instant('last_seen_at').notNull().defaultNow(),
});

/**
 * A legacy HTTP+SSE stream (protocol 2024-11-05): open on one instance (`instance_id`), which
 * refreshes `heartbeat_at` while the client is connected and deletes the row when it leaves. A
 * POST to its messages URL may reach any instance; that instance answers on the stream through
 * `mcp_sse_messages`. Separate from `mcp_transport_sessions`: a stream lives exactly as long as one
 * connection to one instance, and its id must never pass for an `Mcp-Session-Id`.
 */
export const mcpSseSessions = pgTable(
  'mcp_sse_sessions',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    routerSessionId: text('router_session_id').references(() => routerSessions.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    instanceId: text('instance_id').notNull(),
    createdAt: createdAt(),
    heartbeatAt: instant('heartbeat_at').notNull().defaultNow(),
  },
  (table) => [index('mcp_sse_sessions_heartbeat_idx').on(table.heartbeatAt)],
);

/**
 * JSON-RPC messages on their way to a stream held by another instance, encrypted under a key
 * derived from the master key; deleted as they are written to the stream.
 */
export const mcpSseMessages = pgTable(
  'mcp_sse_messages',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    sseSessionId: text('sse_session_id')
      .notNull()
      .references(() => mcpSseSessions.id, { onDelete: 'cascade' }),
    payload: text('payload').notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('mcp_sse_messages_session_idx').on(table.sseSessionId, table.id)],
);

/** A tool result too large for the context window (the session's workbench.auto_offload_threshold): kept a day, read in parts. */
export const storedResults = pgTable(
  'stored_results',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    sessionId: text('session_id').references(() => routerSessions.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    toolSlug: text('tool_slug').notNull(),
    data: jsonb('data').notNull(),
    sizeChars: integer('size_chars').notNull(),
    createdAt: createdAt(),
    expiresAt: instant('expires_at').notNull(),
  },
  (table) => [index('stored_results_expires_idx').on(table.expiresAt)],
);
