import { sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { userIdSchema } from './schemas.js';

// Refreshing last_seen_at on every call would add a write to every tool execution.
const lastSeenGranularityMs = 60_000;
const rememberedUsersLimit = 50_000;

/**
 * End users are not registered ahead of time: the first call that names a `user_id` creates the
 * row; later calls refresh `last_seen_at` at most once a minute per process.
 */
export function createUserRegistry(db: Database) {
  const lastWritten = new Map<string, number>();
  return async function ensureUser(projectId: string, userId: string): Promise<string> {
    const parsed = userIdSchema.safeParse(userId);
    if (!parsed.success) {
      throw new SwitchboardError('VALIDATION_FAILED', `user_id is invalid: ${parsed.error.issues[0]?.message}.`, { field: 'user_id' });
    }
    const key = `${projectId}\u0000${parsed.data}`;
    const now = Date.now();
    const written = lastWritten.get(key);
    if (written !== undefined && now - written < lastSeenGranularityMs) return parsed.data;
    await db
      .insert(tables.users)
      .values({ projectId, userId: parsed.data })
      .onConflictDoUpdate({ target: [tables.users.projectId, tables.users.userId], set: { lastSeenAt: sql`now()` } });
    if (lastWritten.size >= rememberedUsersLimit) lastWritten.clear();
    lastWritten.set(key, now);
    return parsed.data;
  };
}
