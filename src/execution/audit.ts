import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Database, tables } from '../db/index.js';
import { newId } from '../ids.js';
import { canonicalJson, storable } from '../json.js';
import { keysetAfter, keysetOrder, type Page, toPage } from '../pagination.js';
import { type Principal, requireScope } from '../tenancy/index.js';

export interface ExecutionRecord {
  projectId: string;
  userId: string | null;
  apiKeyId: string | null;
  toolSlug: string;
  toolkit: string | null;
  toolkitVersion: string | null;
  connectedAccountId: string | null;
  successful: boolean;
  errorCode: string | null;
  errorMessage: string | null;
  httpStatus: number | null;
  attempts: number;
  latencyMs: number;
  requestBytes: number;
  responseBytes: number;
  argumentsDigest: string | null;
}

/**
 * A digest that lets two audit rows be compared ("same call?") without storing the arguments.
 * Secret arguments are left out before hashing, so the digest cannot be used to guess them.
 */
export function argumentsDigest(args: unknown, secretArguments: readonly string[]): string {
  const visible =
    args && typeof args === 'object' && !Array.isArray(args)
      ? Object.fromEntries(Object.entries(args).filter(([key]) => !secretArguments.includes(key)))
      : args;
  return `sha256:${createHash('sha256')
    .update(canonicalJson(visible ?? null))
    .digest('hex')}`;
}

export const executionLogSchema = z
  .object({
    id: z.string(),
    user_id: z.string().nullable(),
    tool_slug: z.string(),
    toolkit: z.string().nullable(),
    toolkit_version: z.string().nullable(),
    connected_account_id: z.string().nullable(),
    successful: z.boolean(),
    error_code: z.string().nullable(),
    error_message: z.string().nullable(),
    http_status: z.number().nullable(),
    attempts: z.number(),
    latency_ms: z.number(),
    request_bytes: z.number(),
    response_bytes: z.number(),
    arguments_digest: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'ExecutionLog' });
export type ExecutionLogView = z.infer<typeof executionLogSchema>;

type LogRow = typeof tables.executionLogs.$inferSelect;

function present(row: LogRow): ExecutionLogView {
  return {
    id: row.id,
    user_id: row.userId,
    tool_slug: row.toolSlug,
    toolkit: row.toolkit,
    toolkit_version: row.toolkitVersion,
    connected_account_id: row.connectedAccountId,
    successful: row.successful,
    error_code: row.errorCode,
    error_message: row.errorMessage,
    http_status: row.httpStatus,
    attempts: row.attempts,
    latency_ms: row.latencyMs,
    request_bytes: row.requestBytes,
    response_bytes: row.responseBytes,
    arguments_digest: row.argumentsDigest,
    created_at: row.createdAt.toISOString(),
  };
}

type AuditRow = typeof tables.executionLogs.$inferInsert & { id: string; createdAt: Date };

const auditColumns =
  'id text, project_id text, user_id text, api_key_id text, tool_slug text, toolkit text, toolkit_version text, connected_account_id text, ' +
  'successful boolean, error_code text, error_message text, http_status integer, attempts integer, latency_ms integer, request_bytes integer, ' +
  'response_bytes integer, arguments_digest text, created_at timestamptz';
const auditColumnNames = auditColumns
  .split(', ')
  .map((column) => column.split(' ')[0])
  .join(', ');

/**
 * The whole batch as one JSON parameter of one statement with constant text: the database plans
 * it once, and the driver serialises one value instead of 18 per row.
 */
async function insertBatch(db: Database, rows: AuditRow[]): Promise<void> {
  const records = rows.map((row) => ({
    id: row.id,
    project_id: row.projectId,
    user_id: row.userId ?? null,
    api_key_id: row.apiKeyId ?? null,
    tool_slug: row.toolSlug,
    toolkit: row.toolkit ?? null,
    toolkit_version: row.toolkitVersion ?? null,
    connected_account_id: row.connectedAccountId ?? null,
    successful: row.successful,
    error_code: row.errorCode ?? null,
    error_message: row.errorMessage ?? null,
    http_status: row.httpStatus ?? null,
    attempts: row.attempts ?? 0,
    latency_ms: row.latencyMs,
    request_bytes: row.requestBytes ?? 0,
    response_bytes: row.responseBytes ?? 0,
    arguments_digest: row.argumentsDigest ?? null,
    created_at: row.createdAt.toISOString(),
  }));
  await db.transaction(async (tx) => {
    // Audit rows need not wait for the WAL flush: a crash can lose the last few milliseconds of
    // audit, never application data (the setting is local to this transaction).
    await tx.execute(sql`set local synchronous_commit to off`);
    await tx.execute(
      sql`insert into execution_logs (${sql.raw(auditColumnNames)}) select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as batch(${sql.raw(auditColumns)})`,
    );
  });
}

export interface AuditLogOptions {
  /** Rows are written in batches at most this long after the call they describe. */
  flushIntervalMs?: number;
  /** A batch or a row the database refused; by default a line on stderr. Never silent: an audit row is evidence. */
  onWriteError?: (message: string, details: { err: unknown; log_ids: string[] }) => void;
}

const reportOnStderr: NonNullable<AuditLogOptions['onWriteError']> = (message, { err, log_ids }) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: message, log_ids, err: err instanceof Error ? err.message : String(err) })}\n`);
};

/**
 * Execution audit. `record` is synchronous: rows are queued and written in batches shortly after
 * (one insert instead of one per call keeps the audit off the latency of every tool call). Reads
 * through this service flush first, and `close` flushes what is left.
 */
export function createAuditLog(db: Database, options: AuditLogOptions = {}) {
  const flushIntervalMs = options.flushIntervalMs ?? 50;
  const onWriteError = options.onWriteError ?? reportOnStderr;
  let pending: AuditRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  async function write(rows: AuditRow[]): Promise<void> {
    try {
      await insertBatch(db, rows);
    } catch (error) {
      // One bad row (its project deleted meanwhile) must not lose the batch: write the rest one by one.
      onWriteError('Audit batch insert failed; writing its rows one by one', { err: error, log_ids: rows.map((row) => row.id) });
      for (const row of rows) {
        await db
          .insert(tables.executionLogs)
          .values(row)
          .catch((rowError: unknown) => onWriteError('Audit row lost: the database refused it', { err: rowError, log_ids: [row.id] }));
      }
    }
  }

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    const rows = pending;
    pending = [];
    if (rows.length > 0) inFlight = inFlight.then(() => write(rows));
    return inFlight;
  }

  return {
    /** Queues an audit row and returns its id at once. */
    record(entry: ExecutionRecord): string {
      const id = newId('log');
      // Error messages quote upstream answers: whatever they hold, the row must be storable.
      pending.push(storable({ id, ...entry, errorMessage: entry.errorMessage?.slice(0, 1000) ?? null, createdAt: new Date() }));
      if (pending.length >= 500) void flush();
      else timer ??= setTimeout(() => void flush(), flushIntervalMs);
      return id;
    },

    flush,

    async list(
      principal: Principal,
      query: { user_id?: string | undefined; tool_slug?: string | undefined; limit: number; cursor?: string | undefined },
    ): Promise<Page<ExecutionLogView>> {
      requireScope(principal, 'manage');
      await flush();
      const table = tables.executionLogs;
      const rows = await db
        .select()
        .from(table)
        .where(
          and(
            eq(table.projectId, principal.projectId),
            query.user_id ? eq(table.userId, query.user_id) : undefined,
            query.tool_slug ? eq(table.toolSlug, query.tool_slug) : undefined,
            keysetAfter(table, query.cursor),
          ),
        )
        .orderBy(...keysetOrder(table))
        .limit(query.limit + 1);
      return toPage(rows, query.limit, present);
    },

    async get(principal: Principal, id: string): Promise<ExecutionLogView | undefined> {
      requireScope(principal, 'manage');
      await flush();
      const [row] = await db
        .select()
        .from(tables.executionLogs)
        .where(and(eq(tables.executionLogs.id, id), eq(tables.executionLogs.projectId, principal.projectId)));
      return row ? present(row) : undefined;
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
