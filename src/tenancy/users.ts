import { sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { userIdSchema } from './schemas.js';

/**
 * End users are not registered ahead of time: the first call that names a `user_id` creates the
 * row, later calls refresh `last_seen_at`. Returns the validated id.
 */
export async function ensureUser(db: Database, projectId: string, userId: string): Promise<string> {
  const parsed = userIdSchema.safeParse(userId);
  if (!parsed.success) {
    throw new SwitchboardError('VALIDATION_FAILED', `user_id is invalid: ${parsed.error.issues[0]?.message}.`, { field: 'user_id' });
  }
  await db
    .insert(tables.users)
    .values({ projectId, userId: parsed.data })
    .onConflictDoUpdate({ target: [tables.users.projectId, tables.users.userId], set: { lastSeenAt: sql`now()` } });
  return parsed.data;
}
