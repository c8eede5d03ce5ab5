import { type AnyColumn, and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { SwitchboardError } from './errors.js';

const cursorMessage = 'The cursor is not one this API returned; pass `next_cursor` from the previous page unchanged.';

// Cursors are plain text with an exact pattern, published in the OpenAPI document: every string the
// pattern allows is one the server can page from, so a client (or a tool that reads the document)
// never sends a well-formed cursor that is then refused.

/** A keyset cursor: the last row's creation time (milliseconds since the epoch), a dot, and its id. */
const keysetCursorPattern = /^[0-9]{1,13}\.[0-9A-Za-z_]{1,64}$/;
/** An offset cursor: how many items come before the next page. */
const offsetCursorPattern = /^[0-9]{1,9}$/;

const limitSchema = z.coerce.number().int().min(1).max(200).default(50).describe('Items per page (1-200).');

export const pageQuerySchema = z.object({
  limit: limitSchema,
  cursor: z.string().regex(keysetCursorPattern, cursorMessage).optional().describe('`next_cursor` of the previous page.'),
});

/** The query of a list paged by position (the catalog's, which is not ordered by creation). */
export const offsetPageQuerySchema = z.object({
  limit: limitSchema,
  cursor: z.string().regex(offsetCursorPattern, cursorMessage).optional().describe('`next_cursor` of the previous page.'),
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
  return `${position.createdAt.getTime()}.${position.id}`;
}

export function decodeCursor(cursor: string): Position {
  if (!keysetCursorPattern.test(cursor)) throw new SwitchboardError('VALIDATION_FAILED', cursorMessage, { field: 'cursor' });
  const dot = cursor.indexOf('.');
  return { createdAt: new Date(Number(cursor.slice(0, dot))), id: cursor.slice(dot + 1) };
}

export function encodeOffsetCursor(offset: number): string {
  return String(offset);
}

/** The offset an offset cursor names; 0 without one. */
export function decodeOffsetCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  if (!offsetCursorPattern.test(cursor)) throw new SwitchboardError('VALIDATION_FAILED', cursorMessage, { field: 'cursor' });
  return Number(cursor);
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
