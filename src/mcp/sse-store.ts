import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { eq, inArray, lt, sql } from 'drizzle-orm';
import type { Vault } from '../auth/index.js';
import { type Database, tables } from '../db/index.js';

export type SseSessionRow = typeof tables.mcpSseSessions.$inferSelect;

/** A stream's record, and whether its instance refreshed it recently (by the database's clock). */
export type SseSessionRecord = SseSessionRow & { alive: boolean };

const sessions = tables.mcpSseSessions;
const messages = tables.mcpSseMessages;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const purpose = 'mcp-sse-queue';

/**
 * Queued messages may hold tool results and connect links: they are encrypted (AES-256-GCM, the
 * stream id as associated data) under a key derived from the master key, which every instance
 * has. Format `q1.<master key id>.<base64url(iv | ciphertext | tag)>`.
 */
function seal(vault: Vault, sseSessionId: string, text: string): string {
  const { keyId, key } = vault.deriveKey(purpose)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(sseSessionId));
  const body = Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `q1.${keyId}.${body.toString('base64url')}`;
}

function unseal(vault: Vault, sseSessionId: string, sealed: string): string {
  const [format, keyId, encoded] = sealed.split('.');
  const derived = format === 'q1' && keyId ? vault.deriveKey(purpose, keyId) : undefined;
  if (!derived || !encoded) throw new Error('A queued MCP message is sealed under a master key this instance does not have.');
  const body = Buffer.from(encoded, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', derived.key, body.subarray(0, 12));
  decipher.setAAD(Buffer.from(sseSessionId));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]).toString('utf8');
}

/** The database side of legacy SSE streams: their records, and messages queued for them. */
export function createSseStore(db: Database, vault: Vault) {
  return {
    async create(input: { projectId: string; routerSessionId: string | null; userId: string; instanceId: string }): Promise<string> {
      const id = randomUUID();
      await db.insert(sessions).values({ id, ...input });
      return id;
    },

    /** The stream's record; `alive` is false when its instance has not refreshed it for `staleAfterMs`. */
    async find(id: string, staleAfterMs: number): Promise<SseSessionRecord | undefined> {
      if (!uuidPattern.test(id)) return undefined;
      const [row] = await db
        .select({
          id: sessions.id,
          projectId: sessions.projectId,
          routerSessionId: sessions.routerSessionId,
          userId: sessions.userId,
          instanceId: sessions.instanceId,
          createdAt: sessions.createdAt,
          heartbeatAt: sessions.heartbeatAt,
          alive: sql<boolean>`${sessions.heartbeatAt} > now() - make_interval(secs => ${staleAfterMs / 1000})`,
        })
        .from(sessions)
        .where(eq(sessions.id, id));
      return row;
    },

    async remove(ids: readonly string[]): Promise<void> {
      if (ids.length > 0) await db.delete(sessions).where(inArray(sessions.id, [...ids]));
    },

    /** Refreshes the streams this instance holds; answers the ids whose record still exists. */
    async heartbeat(ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db
        .update(sessions)
        .set({ heartbeatAt: sql`now()` })
        .where(inArray(sessions.id, [...ids]))
        .returning({ id: sessions.id });
      return new Set(rows.map((row) => row.id));
    },

    /** Deletes the records of streams whose instance stopped refreshing them (it crashed or lost the database). */
    async sweep(staleAfterMs: number): Promise<void> {
      await db.delete(sessions).where(lt(sessions.heartbeatAt, sql`now() - make_interval(secs => ${staleAfterMs / 1000})`));
    },

    async enqueue(sseSessionId: string, text: string): Promise<void> {
      await db.insert(messages).values({ sseSessionId, payload: seal(vault, sseSessionId, text) });
    },

    /** Removes and returns the messages queued for these streams, oldest first; one that cannot be opened goes to `onUnreadable`. */
    async take(ids: readonly string[], onUnreadable: (error: Error) => void): Promise<{ sseSessionId: string; text: string }[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .delete(messages)
        .where(inArray(messages.sseSessionId, [...ids]))
        .returning({ id: messages.id, sseSessionId: messages.sseSessionId, payload: messages.payload });
      return rows
        .sort((a, b) => a.id - b.id)
        .flatMap((row) => {
          try {
            return [{ sseSessionId: row.sseSessionId, text: unseal(vault, row.sseSessionId, row.payload) }];
          } catch (error) {
            onUnreadable(error as Error);
            return [];
          }
        });
    },
  };
}

export type SseStore = ReturnType<typeof createSseStore>;
