import { and, eq, lt, sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import type { ExecutionResult } from '../execution/index.js';
import { newId } from '../ids.js';
import { storable } from '../json.js';

const lifetimeMs = 24 * 60 * 60 * 1000;
const previewChars = 2000;

export interface OffloadScope {
  projectId: string;
  sessionId: string | null;
  userId: string;
}

/** The value at a dotted path (`items.0.name`) of a JSON value, or undefined. */
function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.').filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * Large tool results are kept out of the context window: above the session's threshold a result's
 * data is stored (a day) and the agent gets a preview and an id to read parts of it by path or range.
 */
export function createStoredResults(db: Database, onError: (message: string, details: Record<string, unknown>) => void = () => {}) {
  const table = tables.storedResults;
  return {
    /**
     * The result as the agent sees it: unchanged, or with `data` replaced by a preview and a stored
     * id. The call has run by now: if storing fails, the agent still gets the whole result, and
     * `offload_error` says why it was not stored (an error here would invite a repeated call).
     */
    async offload(scope: OffloadScope, threshold: number | null, toolSlug: string, result: ExecutionResult): Promise<ExecutionResult> {
      if (!threshold || !result.successful || result.data === undefined) return result;
      const text = JSON.stringify(result.data);
      if (text.length <= threshold) return result;
      const id = newId('sr');
      try {
        await db.insert(table).values({
          id,
          projectId: scope.projectId,
          sessionId: scope.sessionId,
          userId: scope.userId,
          toolSlug,
          // Upstream answers may hold text PostgreSQL cannot (NUL, lone surrogates).
          data: storable(result.data) as object,
          sizeChars: text.length,
          expiresAt: new Date(Date.now() + lifetimeMs),
        });
      } catch (error) {
        onError('Storing a large tool result failed; it was returned whole', { err: error, tool_slug: toolSlug, log_id: result.log_id });
        return { ...result, offload_error: 'The result is larger than the offload threshold but could not be stored; it is returned whole.' };
      }
      return {
        ...result,
        data: {
          offloaded: true,
          stored_result_id: id,
          size_chars: text.length,
          preview: storable(text.slice(0, Math.min(threshold, previewChars))),
          how_to_read: 'Call read_stored_result with this id and a path (e.g. "values.0") or an offset and length.',
        },
      };
    },

    async read(scope: OffloadScope, input: { result_id: string; path?: string | undefined; offset: number; length: number }) {
      const [row] = await db
        .select()
        .from(table)
        .where(and(eq(table.id, input.result_id), eq(table.projectId, scope.projectId), eq(table.userId, scope.userId)));
      if (!row || row.expiresAt.getTime() <= Date.now() || (scope.sessionId && row.sessionId !== scope.sessionId)) {
        throw new SwitchboardError('NOT_FOUND', `Stored result ${input.result_id} was not found (results are kept for a day).`, { result_id: input.result_id });
      }
      const selected = input.path ? valueAt(row.data, input.path) : row.data;
      if (selected === undefined) {
        throw new SwitchboardError('VALIDATION_FAILED', `The stored result has nothing at "${input.path}".`, { field: 'path' });
      }
      const text = JSON.stringify(selected);
      const slice = text.slice(input.offset, input.offset + input.length);
      return {
        result_id: row.id,
        tool_slug: row.toolSlug,
        size_chars: text.length,
        offset: input.offset,
        ...(text.length <= input.length && input.offset === 0 ? { value: selected } : { text: storable(slice) }),
        has_more: input.offset + input.length < text.length,
      };
    },

    async sweep(): Promise<void> {
      await db.delete(table).where(lt(table.expiresAt, sql`now()`));
    },
  };
}

export type StoredResults = ReturnType<typeof createStoredResults>;
