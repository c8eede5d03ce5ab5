import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { type ChangeFeed, type Database, tables } from '../db/index.js';

export type TransportSessionRow = typeof tables.mcpTransportSessions.$inferSelect;

export const transportSessionTopic = 'mcp_transport_session';

// last_seen_at is informational; a write per request would double the cost of every call.
const touchGranularityMs = 60_000;

/**
 * 2025-era Streamable HTTP sessions (`Mcp-Session-Id`), in the database so that any instance can
 * serve any request of a session.
 */
export function createTransportSessionStore(db: Database, changes: ChangeFeed) {
  const table = tables.mcpTransportSessions;
  // Read on every request of a 2025-era session; dropped everywhere when the session is deleted.
  const rows = changes.cache<TransportSessionRow>(transportSessionTopic);
  return {
    async create(input: { projectId: string; routerSessionId: string | null; userId: string; protocolVersion: string; clientInfo: unknown }): Promise<string> {
      const id = randomUUID();
      await db.insert(table).values({ id, ...input, clientInfo: input.clientInfo ?? null });
      return id;
    },
    async find(id: string): Promise<TransportSessionRow | undefined> {
      if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
      const row = await rows.get(id, async () => (await db.select().from(table).where(eq(table.id, id)))[0]);
      if (row && Date.now() - row.lastSeenAt.getTime() > touchGranularityMs) {
        row.lastSeenAt = new Date();
        await db.update(table).set({ lastSeenAt: sql`now()` }).where(eq(table.id, id));
      }
      return row;
    },
    /** Calls `onEnded` once the session is deleted, through whichever instance; returns the unwatch. */
    watchEnd(id: string, onEnded: () => void): () => void {
      let ended = false;
      const unsubscribe = changes.subscribe(transportSessionTopic, (key) => {
        if (ended || (key !== id && key !== '*')) return;
        void this.find(id).then(
          (row) => {
            if (row || ended) return;
            ended = true;
            unsubscribe();
            onEnded();
          },
          () => {},
        );
      });
      return unsubscribe;
    },
    async remove(id: string): Promise<boolean> {
      const deleted = await db.delete(table).where(eq(table.id, id)).returning({ id: table.id });
      await changes.changed(transportSessionTopic, id);
      return deleted.length > 0;
    },
  };
}

export type TransportSessionStore = ReturnType<typeof createTransportSessionStore>;
