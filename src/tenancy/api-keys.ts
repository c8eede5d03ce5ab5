import { and, count, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { type ChangeFeed, type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { newId } from '../ids.js';
import { keysetAfter, keysetOrder, type Page, type PageQuery, toPage } from '../pagination.js';
import { apiKeyMatches, apiKeyPrefix, generateApiKey, isWellFormedApiKey } from './api-key-secret.js';
import { apiKeyStatus, presentApiKey } from './present.js';
import { hasScope, isInstanceAdmin, type Principal, requireScope, targetProject } from './principal.js';
import type { ApiKeyView, CreatedApiKeyView, Scope } from './schemas.js';

const { apiKeys, projects } = tables;

// Writing last_used_at on every request would turn each read into a write; minute precision is plenty.
const lastUsedGranularityMs = 60_000;

function notFound(id: string): SwitchboardError {
  return new SwitchboardError('NOT_FOUND', `API key ${id} was not found.`, { api_key_id: id });
}

/** Creating, renaming and revoking an admin key all take an admin key: a manage key may not touch one. */
function requireAdminToTouchAdminKey(principal: Principal, targetScopes: readonly string[], action: 'create' | 'rename' | 'revoke'): void {
  if (!targetScopes.includes('admin') || hasScope(principal, 'admin')) return;
  const what = action === 'create' ? 'create another admin key' : `${action} an admin key`;
  throw new SwitchboardError('FORBIDDEN', `Only an admin key can ${what}.`, { required_scope: 'admin' });
}

const unauthenticated = (message: string) => new SwitchboardError('UNAUTHENTICATED', message);

export interface CreateApiKeyRequest {
  name: string;
  scopes: Scope[];
  project_id?: string | undefined;
  expires_at?: string | undefined;
  user_id?: string | undefined;
}

const apiKeyChangeTopic = 'api_key';

/**
 * Key rows are cached by prefix (every request authenticates); a revocation, rename or project
 * deletion through any instance drops them everywhere through the change feed.
 */
export function createApiKeyService(db: Database, changes: ChangeFeed) {
  const lookups = changes.cache<typeof apiKeys.$inferSelect>(apiKeyChangeTopic);
  const changed = (prefix: string) => changes.changed(apiKeyChangeTopic, prefix);

  async function find(principal: Principal, id: string) {
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
    if (!row || (row.projectId !== principal.projectId && !isInstanceAdmin(principal))) throw notFound(id);
    return row;
  }

  /** Inserts a key; `db` may be a transaction. Returns the one response that carries the secret. */
  async function insertKey(
    executor: Pick<Database, 'insert'>,
    projectId: string,
    input: { name: string; scopes: Scope[]; expiresAt?: Date | null; userId?: string | null },
  ): Promise<CreatedApiKeyView> {
    const { key, prefix, secretHash } = generateApiKey();
    const [row] = await executor
      .insert(apiKeys)
      .values({
        id: newId('key'),
        projectId,
        name: input.name,
        prefix,
        secretHash,
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
        userId: input.userId ?? null,
      })
      .returning();
    return { ...presentApiKey(row!), key };
  }

  return {
    insertKey,

    /**
     * Resolves a presented key to its principal. Every failure is a 401 whose message says what
     * to do; a key's existence is only confirmed to someone who holds the whole key.
     */
    async authenticate(presented: string): Promise<Principal & { keyId: string }> {
      if (!isWellFormedApiKey(presented)) {
        throw unauthenticated('The API key is malformed: Switchboard keys look like "sk_" followed by 42 letters and digits.');
      }
      const prefix = apiKeyPrefix(presented);
      const row = await lookups.get(prefix, async () => (await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)))[0]);
      if (!row || !apiKeyMatches(presented, row.secretHash)) throw unauthenticated('The API key is not valid. Check it, or create a new one.');
      const status = apiKeyStatus(row);
      if (status === 'revoked') {
        throw unauthenticated(`This API key (${row.prefix}…) was revoked at ${row.revokedAt?.toISOString()}. Use another key.`);
      }
      if (status === 'expired') {
        throw unauthenticated(`This API key (${row.prefix}…) expired at ${row.expiresAt?.toISOString()}. Create a new one.`);
      }
      const now = Date.now();
      if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > lastUsedGranularityMs) {
        row.lastUsedAt = new Date(now);
        await db.update(apiKeys).set({ lastUsedAt: row.lastUsedAt }).where(eq(apiKeys.id, row.id));
      }
      return { projectId: row.projectId, keyId: row.id, scopes: row.scopes as Scope[], ...(row.userId ? { userId: row.userId } : {}) };
    },

    async create(principal: Principal, input: CreateApiKeyRequest): Promise<CreatedApiKeyView> {
      requireScope(principal, 'manage');
      const projectId = targetProject(principal, input.project_id);
      if (input.user_id !== undefined && input.scopes.some((scope) => scope !== 'tools:execute')) {
        throw new SwitchboardError('VALIDATION_FAILED', 'A key bound to an end user (user_id) can only hold the tools:execute scope.', { field: 'scopes' });
      }
      requireAdminToTouchAdminKey(principal, input.scopes, 'create');
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        throw new SwitchboardError('VALIDATION_FAILED', 'expires_at must be in the future.', { field: 'expires_at' });
      }
      const [project] = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId));
      if (!project) throw new SwitchboardError('NOT_FOUND', `Project ${projectId} was not found.`, { project_id: projectId });
      if (input.user_id !== undefined) await db.insert(tables.users).values({ projectId, userId: input.user_id }).onConflictDoNothing();
      return insertKey(db, projectId, { name: input.name, scopes: input.scopes, expiresAt, userId: input.user_id ?? null });
    },

    async list(principal: Principal, query: PageQuery & { project_id?: string | undefined; include_revoked: boolean }): Promise<Page<ApiKeyView>> {
      requireScope(principal, 'manage');
      const projectId = targetProject(principal, query.project_id);
      const conditions = [eq(apiKeys.projectId, projectId)];
      if (!query.include_revoked) conditions.push(isNull(apiKeys.revokedAt));
      const rows = await db
        .select()
        .from(apiKeys)
        .where(and(...conditions, keysetAfter(apiKeys, query.cursor)))
        .orderBy(...keysetOrder(apiKeys))
        .limit(query.limit + 1);
      return toPage(rows, query.limit, presentApiKey);
    },

    async get(principal: Principal, id: string): Promise<ApiKeyView> {
      requireScope(principal, 'manage');
      return presentApiKey(await find(principal, id));
    },

    async rename(principal: Principal, id: string, input: { name: string }): Promise<ApiKeyView> {
      requireScope(principal, 'manage');
      const existing = await find(principal, id);
      requireAdminToTouchAdminKey(principal, existing.scopes, 'rename');
      const [row] = await db.update(apiKeys).set({ name: input.name }).where(eq(apiKeys.id, id)).returning();
      await changed(row!.prefix);
      return presentApiKey(row!);
    },

    /** Revocation is immediate for every instance: keys are checked against the database on each request. */
    async revoke(principal: Principal, id: string): Promise<ApiKeyView> {
      requireScope(principal, 'manage');
      const existing = await find(principal, id);
      requireAdminToTouchAdminKey(principal, existing.scopes, 'revoke');
      if (existing.revokedAt) return presentApiKey(existing);
      const revoked = await db.transaction(async (tx) => {
        if (existing.scopes.includes('admin')) {
          // Serialise concurrent revocations so two of them cannot remove the last two admin keys.
          await tx.execute(sql`select pg_advisory_xact_lock(${0x5b0a4e})`);
          const [active] = await tx
            .select({ value: count() })
            .from(apiKeys)
            .where(and(isNull(apiKeys.revokedAt), sql`'admin' = any(${apiKeys.scopes})`, or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`))));
          if ((active?.value ?? 0) <= 1) {
            throw new SwitchboardError('CONFLICT', 'This is the last active admin key; create another admin key before revoking it.', { api_key_id: id });
          }
        }
        const [row] = await tx.update(apiKeys).set({ revokedAt: sql`now()` }).where(eq(apiKeys.id, id)).returning();
        return presentApiKey(row!);
      });
      await changed(existing.prefix);
      return revoked;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
