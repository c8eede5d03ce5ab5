import { and, asc, count, gt, inArray, isNotNull, not, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { retireOtherMasterKeys } from './master-key-registry.js';
import { type SealedColumn, sealedColumnName, sealedColumns } from './sealed-columns.js';
import type { Vault } from './vault.js';

export const masterKeyRotationSchema = z
  .object({
    resealed: z.number().int().describe('Sealed values re-wrapped under the current key by this run.'),
    columns: z.record(
      z.string(),
      z.object({
        resealed: z.number().int(),
        changed_concurrently: z.number().int().describe('Values rewritten (or deleted) by someone else during the run; left as they were written.'),
      }),
    ),
    retired_key_ids: z.array(z.string()).describe('Master keys this run marked retired: nothing is sealed with them any more.'),
    current_key_id: z.string().describe('The master key every sealed value is wrapped with now.'),
    generated_key: z.boolean().describe("True when the server generated the new key into its data directory's master-key file: back that file up."),
  })
  .meta({ id: 'MasterKeyRotation' });
export type MasterKeyRotationSummary = z.infer<typeof masterKeyRotationSchema>;

/** Progress of one sealed column: values handled so far out of those found under an old key. */
export interface RotationProgress {
  column: string;
  done: number;
  total: number;
}

export interface ResealOptions {
  /** Rows per read and per guarded write (default 200). */
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
  /** Columns to re-wrap (default: every sealed column). */
  columns?: readonly SealedColumn[];
  /** Called between reading a batch and writing it back (tests use it to race a concurrent write). */
  beforeWrite?: (column: string, ids: readonly string[]) => Promise<void>;
}

interface SealedRow {
  id: string;
  value: string;
}

const defaultBatchSize = 200;
// A batch row that keeps changing under us is left to the next round rather than retried forever.
const attemptsPerBatch = 3;
// Rounds of "reseal everything, then retire": more than one only while something keeps writing under an old key.
const maxRounds = 5;

const underOtherKey = (column: SealedColumn, currentKeyId: string): SQL =>
  and(isNotNull(column.sealedColumn), not(sql`starts_with(${column.sealedColumn}, ${`v1.${currentKeyId}.`})`))!;

async function countUnderOtherKeys(db: Database, columns: readonly SealedColumn[], currentKeyId: string): Promise<number> {
  let total = 0;
  for (const column of columns) {
    const [row] = await db.select({ n: count() }).from(column.table).where(underOtherKey(column, currentKeyId));
    total += Number(row?.n ?? 0);
  }
  return total;
}

function resealOrExplain(vault: Vault, column: string, row: SealedRow): string {
  let keyId: string;
  try {
    keyId = vault.keyIdOf(row.value);
  } catch {
    throw new SwitchboardError(
      'CONFLICT',
      `${column} of row ${row.id} holds a value that is not a sealed secret; fix or clear it, then run the rotation again.`,
      {
        column,
        id: row.id,
      },
    );
  }
  if (!vault.keyIds.includes(keyId)) {
    throw new SwitchboardError(
      'CONFLICT',
      `${column} of row ${row.id} is sealed with master key ${keyId}, which this process does not have. ` +
        'Add that key to SWITCHBOARD_PREVIOUS_MASTER_KEYS, restart, and run the rotation again; nothing was retired.',
      { column, id: row.id, key_id: keyId },
    );
  }
  return vault.reseal(row.value);
}

/**
 * Writes re-wrapped values in one statement, each guarded by the value it was computed from: a row
 * a running server changed meanwhile is not overwritten. Returns the ids written.
 */
async function writeGuarded(db: Database, column: SealedColumn, updates: readonly { id: string; old: string; next: string }[]): Promise<Set<string>> {
  const values = sql.join(
    updates.map((update) => sql`(${update.id}::text, ${update.old}::text, ${update.next}::text)`),
    sql`, `,
  );
  const target = sql.identifier(column.sealedColumn.name);
  const result = await db.execute<{ id: string }>(sql`
    update ${column.table} set ${target} = batch.next
    from (values ${values}) as batch(id, old, next)
    where ${column.idColumn} = batch.id and ${column.sealedColumn} = batch.old
    returning ${column.idColumn} as id`);
  return new Set((result as unknown as { rows: { id: string }[] }).rows.map((row) => row.id));
}

/** Re-reads rows whose guarded write lost; returns those still sealed under another key than the current one. */
async function rereadLost(db: Database, column: SealedColumn, ids: readonly string[], currentPrefix: string): Promise<SealedRow[]> {
  const rows = (await db.select({ id: column.idColumn, value: column.sealedColumn }).from(column.table).where(inArray(column.idColumn, ids))) as {
    id: string;
    value: string | null;
  }[];
  return rows.filter((row): row is SealedRow => row.value !== null && !row.value.startsWith(currentPrefix));
}

/**
 * Re-wraps one batch. A row that lost the race is re-read: rewritten under the current key (or
 * deleted) it is left as it is; rewritten under an old key it is re-wrapped again.
 */
async function resealBatch(db: Database, vault: Vault, column: SealedColumn, rows: SealedRow[], options: ResealOptions) {
  const name = sealedColumnName(column);
  const currentPrefix = `v1.${vault.currentKeyId}.`;
  let pending = rows;
  let resealed = 0;
  let changedConcurrently = 0;
  for (let attempt = 1; attempt <= attemptsPerBatch && pending.length > 0; attempt++) {
    const updates = pending.map((row) => ({ id: row.id, old: row.value, next: resealOrExplain(vault, name, row) }));
    await options.beforeWrite?.(
      name,
      updates.map((update) => update.id),
    );
    const written = await writeGuarded(db, column, updates);
    resealed += written.size;
    const lost = updates.filter((update) => !written.has(update.id)).map((update) => update.id);
    pending = lost.length > 0 ? await rereadLost(db, column, lost, currentPrefix) : [];
    changedConcurrently += lost.length - pending.length;
  }
  // Rows still pending changed under us on every attempt: not done; the next round takes them.
  return { resealed, changedConcurrently, done: rows.length - pending.length };
}

async function resealColumn(
  db: Database,
  vault: Vault,
  column: SealedColumn,
  tally: { resealed: number; changed_concurrently: number; done: number },
  options: ResealOptions,
): Promise<void> {
  const name = sealedColumnName(column);
  const batchSize = options.batchSize ?? defaultBatchSize;
  const where = underOtherKey(column, vault.currentKeyId);
  const total = tally.done + (await countUnderOtherKeys(db, [column], vault.currentKeyId));
  options.onProgress?.({ column: name, done: tally.done, total });
  let after: string | undefined;
  for (;;) {
    const rows = (await db
      .select({ id: column.idColumn, value: column.sealedColumn })
      .from(column.table)
      .where(after === undefined ? where : and(where, gt(column.idColumn, after)))
      .orderBy(asc(column.idColumn))
      .limit(batchSize)) as SealedRow[];
    if (rows.length === 0) return;
    after = rows.at(-1)!.id;
    const outcome = await resealBatch(db, vault, column, rows, options);
    tally.resealed += outcome.resealed;
    tally.changed_concurrently += outcome.changedConcurrently;
    tally.done += outcome.done;
    options.onProgress?.({ column: name, done: tally.done, total: Math.max(total, tally.done) });
  }
}

/**
 * Re-wraps every sealed value that is not under the vault's current master key (data keys only;
 * payloads are untouched), then, once none is left under another key, registers the current key
 * and retires the others in `master_keys`. Idempotent: a second run reseals 0 and retires nothing.
 * Safe beside running servers: each write is guarded by the value it replaces.
 */
export async function resealToCurrentKey(db: Database, vault: Vault, options: ResealOptions = {}): Promise<MasterKeyRotationSummary> {
  const columns = options.columns ?? sealedColumns;
  const currentKeyId = vault.currentKeyId;
  const tallies = new Map(columns.map((column) => [column, { resealed: 0, changed_concurrently: 0, done: 0 }]));
  for (let round = 1; round <= maxRounds; round++) {
    for (const column of columns) await resealColumn(db, vault, column, tallies.get(column)!, options);
    const retired = await retireOtherMasterKeys(db, currentKeyId, (tx) => countUnderOtherKeys(tx, columns, currentKeyId));
    if (retired) {
      const summaries = [...tallies].map(
        ([column, tally]) => [sealedColumnName(column), { resealed: tally.resealed, changed_concurrently: tally.changed_concurrently }] as const,
      );
      return {
        resealed: summaries.reduce((sum, [, tally]) => sum + tally.resealed, 0),
        columns: Object.fromEntries(summaries),
        retired_key_ids: retired,
        current_key_id: currentKeyId,
        generated_key: false,
      };
    }
  }
  const remaining = await countUnderOtherKeys(db, columns, currentKeyId);
  throw new SwitchboardError(
    'CONFLICT',
    `${remaining} sealed values under an old master key keep being written: an instance still seals with the old key. ` +
      'Give every instance the new SWITCHBOARD_MASTER_KEY (old key in SWITCHBOARD_PREVIOUS_MASTER_KEYS), then run the rotation again.',
    { remaining },
  );
}
