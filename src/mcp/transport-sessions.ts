import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';

export type TransportSessionRow = typeof tables.mcpTransportSessions.$inferSelect;

// last_seen_at is informational; a write per request would double the cost of every call.
const touchGranularityMs = 60_000;

/**
 * 2025-era Streamable HTTP sessions (`Mcp-Session-Id`), in the database so that any instance can
 * serve any request of a session.
 */
export function createTransportSessionStore(db: Database) {
  const table = tables.mcpTransportSessions;
  return {
    async create(input: { projectId: string; routerSessionId: string | null; userId: string; protocolVersion: string; clientInfo: unknown }): Promise<string> {
      const id = randomUUID();
      await db.insert(table).values({ id, ...input, clientInfo: input.clientInfo ?? null });
      return id;
    },
    async find(id: string): Promise<TransportSessionRow | undefined> {
      if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
      const [row] = await db.select().from(table).where(eq(table.id, id));
      if (row && Date.now() - row.lastSeenAt.getTime() > touchGranularityMs) {
        await db.update(table).set({ lastSeenAt: sql`now()` }).where(eq(table.id, id));
      }
      return row;
    },
    async remove(id: string): Promise<boolean> {
      const deleted = await db.delete(table).where(eq(table.id, id)).returning({ id: table.id });
      return deleted.length > 0;
    },
  };
}

export type TransportSessionStore = ReturnType<typeof createTransportSessionStore>;
