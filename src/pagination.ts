import { type AnyColumn, and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { SwitchboardError } from './errors.js';

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Items per page (1-200).'),
  cursor: z.string().max(200).optional().describe('`next_cursor` of the previous page.'),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Keyset position of a row ordered by (created_at, id). */
export interface Position {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new SwitchboardError('VALIDATION_FAILED', 'The cursor is not one this API returned; pass `next_cursor` from the previous page unchanged.', {
      field: 'cursor',
    });
  }
  return { createdAt, id };
}

/** Turns `limit + 1` fetched rows into a page and the cursor of the next one. */
export function toPage<Row extends Position, T>(rows: Row[], limit: number, present: (row: Row) => T): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return { items: pageRows.map(present), next_cursor: more && last ? encodeCursor(last) : null };
}

/** Response schema of a page of `item`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page.'),
  });
}

/** Columns a list is ordered by: creation time, then id as the tie-breaker. */
export interface KeysetColumns {
  createdAt: AnyColumn;
  id: AnyColumn;
}

/** The condition "comes after the cursor's row", or undefined on the first page. */
export function keysetAfter(columns: KeysetColumns, cursor: string | undefined): SQL | undefined {
  if (!cursor) return undefined;
  const after = decodeCursor(cursor);
  return or(gt(columns.createdAt, after.createdAt), and(eq(columns.createdAt, after.createdAt), gt(columns.id, after.id)));
}

export function keysetOrder(columns: KeysetColumns): SQL[] {
  return [asc(columns.createdAt), asc(columns.id)];
}
