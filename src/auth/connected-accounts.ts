import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { newId } from '../ids.js';
import { keysetAfter, keysetOrder, type Page, toPage } from '../pagination.js';
import { type Principal, requireScope, userIdSchema } from '../tenancy/index.js';
import type { AuthScheme } from './schemes.js';
import type { Vault } from './vault.js';

export const connectedAccountStatuses = ['INITIATED', 'ACTIVE', 'FAILED', 'EXPIRED', 'DISABLED'] as const;
export type ConnectedAccountStatus = (typeof connectedAccountStatuses)[number];

export const connectedAccountSchema = z
  .object({
    id: z.string(),
    user_id: z.string(),
    toolkit: z.string(),
    auth_scheme: z.string(),
    status: z.enum(connectedAccountStatuses),
    status_reason: z.string().nullable(),
    alias: z.string().nullable(),
    is_default: z.boolean(),
    base_url: z.string().nullable(),
    credential_hints: z.record(z.string(), z.string()).describe('Masked hints only; credentials are write-only.'),
    created_at: z.string(),
    updated_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .meta({ id: 'ConnectedAccount' });
export type ConnectedAccountView = z.infer<typeof connectedAccountSchema>;

type AccountRow = typeof tables.connectedAccounts.$inferSelect;

function present(row: AccountRow): ConnectedAccountView {
  return {
    id: row.id,
    user_id: row.userId,
    toolkit: row.toolkit,
    auth_scheme: row.authScheme,
    status: row.status as ConnectedAccountStatus,
    status_reason: row.statusReason,
    alias: row.alias,
    is_default: row.isDefault,
    base_url: row.baseUrl,
    credential_hints: row.credentialHints as Record<string, string>,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** What a secret looks like in listings: enough to recognise it, not to use it. */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `••••${value.slice(-4)}` : '••••';
}

const sealContext = (accountId: string) => `connected_account:${accountId}`;

export interface CreateConnectedAccount {
  user_id: string;
  toolkit: string;
  scheme: AuthScheme;
  credentials: Record<string, string>;
  base_url?: string | undefined;
  server_urls?: Record<string, string> | undefined;
  alias?: string | undefined;
}

/** The credential the executor applies to a request. */
export interface ResolvedCredential {
  connectedAccountId: string | null;
  scheme: AuthScheme['type'];
  fields: Record<string, string>;
  baseUrl?: string | undefined;
  serverUrls?: Record<string, string> | undefined;
  lastUsedAt?: Date | null;
}

// last_used_at is informational; minute precision spares a write per tool call.
const lastUsedGranularityMs = 60_000;

export interface ConnectedAccountServiceOptions {
  /**
   * Keep resolved credentials in memory. Only correct when this process is the only writer (the
   * embedded database): every change made through this service clears the cache.
   */
  cacheResolutions?: boolean;
}

export function createConnectedAccountService(db: Database, vault: Vault, options: ConnectedAccountServiceOptions = {}) {
  const resolutions = new Map<string, ResolvedCredential>();
  const invalidate = () => resolutions.clear();
  // Resolution runs on every tool call: prepared once, planned once per connection.
  const accounts = tables.connectedAccounts;
  const scope = and(
    eq(accounts.projectId, sql.placeholder('projectId')),
    eq(accounts.userId, sql.placeholder('userId')),
    eq(accounts.toolkit, sql.placeholder('toolkit')),
  );
  const defaultAccount = db
    .select()
    .from(accounts)
    .where(and(scope, eq(accounts.isDefault, true)))
    .prepare('resolve_default_connected_account');
  const namedAccount = db
    .select()
    .from(accounts)
    .where(and(scope, eq(accounts.id, sql.placeholder('accountId'))))
    .prepare('resolve_named_connected_account');

  async function find(principal: Principal, id: string): Promise<AccountRow> {
    const [row] = await db
      .select()
      .from(tables.connectedAccounts)
      .where(and(eq(tables.connectedAccounts.id, id), eq(tables.connectedAccounts.projectId, principal.projectId)));
    if (!row) throw new SwitchboardError('NOT_FOUND', `Connected account ${id} was not found.`, { connected_account_id: id });
    return row;
  }

  return {
    /** Stores credentials typed in by a person or a developer; the account is ACTIVE at once. */
    async create(principal: Principal, input: CreateConnectedAccount): Promise<ConnectedAccountView> {
      requireScope(principal, 'manage');
      const userId = userIdSchema.parse(input.user_id);
      const fields = 'fields' in input.scheme ? input.scheme.fields : [];
      if (input.scheme.type === 'oauth2') {
        throw new SwitchboardError('VALIDATION_FAILED', 'OAuth 2 accounts are connected through a connect link, not by posting credentials.', {
          field: 'auth_scheme',
        });
      }
      const unknown = Object.keys(input.credentials).filter((name) => !fields.some((field) => field.name === name));
      if (unknown.length > 0) {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          `Unknown credential field ${unknown[0]}; this scheme takes ${fields.map((f) => f.name).join(', ') || 'none'}.`,
          {
            field: `credentials.${unknown[0]}`,
          },
        );
      }
      for (const field of fields) {
        const value = input.credentials[field.name];
        if (field.required && (value === undefined || value === '')) {
          throw new SwitchboardError('VALIDATION_FAILED', `The credential field "${field.name}" (${field.label}) is required.`, {
            field: `credentials.${field.name}`,
          });
        }
      }
      const hints = Object.fromEntries(
        fields
          .filter((field) => input.credentials[field.name])
          .map((field) => [field.name, field.secret ? maskSecret(input.credentials[field.name]!) : input.credentials[field.name]!]),
      );
      const id = newId('ca');
      invalidate();
      const created = await db.transaction(async (tx) => {
        const [existingDefault] = await tx
          .select({ id: tables.connectedAccounts.id })
          .from(tables.connectedAccounts)
          .where(
            and(
              eq(tables.connectedAccounts.projectId, principal.projectId),
              eq(tables.connectedAccounts.userId, userId),
              eq(tables.connectedAccounts.toolkit, input.toolkit),
              eq(tables.connectedAccounts.isDefault, true),
            ),
          );
        const [row] = await tx
          .insert(tables.connectedAccounts)
          .values({
            id,
            projectId: principal.projectId,
            userId,
            toolkit: input.toolkit,
            authScheme: input.scheme.type,
            status: 'ACTIVE',
            credentials: vault.seal(JSON.stringify(input.credentials), sealContext(id)),
            credentialHints: hints,
            baseUrl: input.base_url ?? null,
            serverUrls: input.server_urls ?? null,
            alias: input.alias ?? null,
            isDefault: !existingDefault,
          })
          .returning();
        return present(row!);
      });
      // Cleared again after the commit: a resolution racing the transaction may have cached the old default.
      invalidate();
      return created;
    },

    async list(
      principal: Principal,
      query: { user_id?: string | undefined; toolkit?: string | undefined; limit: number; cursor?: string | undefined },
    ): Promise<Page<ConnectedAccountView>> {
      requireScope(principal, 'tools:execute');
      const table = tables.connectedAccounts;
      const rows = await db
        .select()
        .from(table)
        .where(
          and(
            eq(table.projectId, principal.projectId),
            query.user_id ? eq(table.userId, query.user_id) : undefined,
            query.toolkit ? eq(table.toolkit, query.toolkit) : undefined,
            keysetAfter(table, query.cursor),
          ),
        )
        .orderBy(...keysetOrder(table))
        .limit(query.limit + 1);
      return toPage(rows, query.limit, present);
    },

    async get(principal: Principal, id: string): Promise<ConnectedAccountView> {
      requireScope(principal, 'tools:execute');
      return present(await find(principal, id));
    },

    /**
     * DISABLED accounts keep their credentials but cannot run tools until enabled again; only
     * ACTIVE and DISABLED accounts can be switched (an EXPIRED or FAILED one needs reconnecting).
     */
    async setEnabled(principal: Principal, id: string, enabled: boolean): Promise<ConnectedAccountView> {
      requireScope(principal, 'manage');
      const row = await find(principal, id);
      const target = enabled ? 'ACTIVE' : 'DISABLED';
      if (row.status === target) return present(row);
      if (row.status !== 'ACTIVE' && row.status !== 'DISABLED') {
        throw new SwitchboardError('CONFLICT', `Account ${id} is ${row.status}; reconnect it instead of ${enabled ? 'enabling' : 'disabling'} it.`, {
          connected_account_id: id,
          status: row.status,
        });
      }
      invalidate();
      const [updated] = await db
        .update(tables.connectedAccounts)
        .set({ status: target, statusReason: enabled ? null : 'disabled through the API', updatedAt: sql`now()` })
        .where(and(eq(tables.connectedAccounts.id, id), eq(tables.connectedAccounts.status, row.status)))
        .returning();
      invalidate();
      if (!updated) throw new SwitchboardError('CONFLICT', `Account ${id} changed meanwhile; read it again.`, { connected_account_id: id });
      return present(updated);
    },

    async remove(principal: Principal, id: string): Promise<void> {
      requireScope(principal, 'manage');
      const row = await find(principal, id);
      invalidate();
      await db.transaction(async (tx) => {
        await tx.delete(tables.connectedAccounts).where(eq(tables.connectedAccounts.id, id));
        if (row.isDefault) {
          // The user's next most recent account of this toolkit becomes the default.
          await tx.execute(sql`
            update connected_accounts set is_default = true
            where id = (select id from connected_accounts
                        where project_id = ${row.projectId} and user_id = ${row.userId} and toolkit = ${row.toolkit}
                        order by created_at desc limit 1)`);
        }
      });
      invalidate();
    },

    /**
     * The account a call runs with: the one named (it must be this user's), else the user's default
     * for the toolkit. Only ACTIVE accounts are usable.
     */
    async resolve(context: { projectId: string; userId: string; toolkit: string; connectedAccountId?: string | undefined }): Promise<ResolvedCredential> {
      const cacheKey = `${context.projectId}\u0000${context.userId}\u0000${context.toolkit}\u0000${context.connectedAccountId ?? ''}`;
      const cached = options.cacheResolutions ? resolutions.get(cacheKey) : undefined;
      if (cached) return cached;
      const parameters = { projectId: context.projectId, userId: context.userId, toolkit: context.toolkit };
      const [row] = context.connectedAccountId
        ? await namedAccount.execute({ ...parameters, accountId: context.connectedAccountId })
        : await defaultAccount.execute(parameters);
      if (!row) {
        if (context.connectedAccountId) {
          throw new SwitchboardError(
            'NOT_FOUND',
            `Connected account ${context.connectedAccountId} is not a ${context.toolkit} account of user ${context.userId}.`,
            {
              connected_account_id: context.connectedAccountId,
            },
          );
        }
        throw new SwitchboardError(
          'NOT_CONNECTED',
          `User ${context.userId} has no connected ${context.toolkit} account. Connect one first (POST /v1/connected-accounts).`,
          { toolkit: context.toolkit, user_id: context.userId },
        );
      }
      if (row.status !== 'ACTIVE') {
        throw new SwitchboardError(
          'NOT_CONNECTED',
          `The ${context.toolkit} account ${row.id} is ${row.status}${row.statusReason ? ` (${row.statusReason})` : ''}; reconnect it.`,
          {
            toolkit: context.toolkit,
            connected_account_id: row.id,
            status: row.status,
          },
        );
      }
      const fields = row.credentials ? (JSON.parse(vault.openText(row.credentials, sealContext(row.id))) as Record<string, string>) : {};
      const resolved: ResolvedCredential = {
        connectedAccountId: row.id,
        scheme: row.authScheme as AuthScheme['type'],
        fields,
        baseUrl: row.baseUrl ?? undefined,
        serverUrls: (row.serverUrls as Record<string, string> | null) ?? undefined,
        lastUsedAt: row.lastUsedAt,
      };
      if (options.cacheResolutions) {
        if (resolutions.size >= 10_000) invalidate();
        resolutions.set(cacheKey, resolved);
      }
      return resolved;
    },

    async markUsed(credential: ResolvedCredential): Promise<void> {
      if (!credential.connectedAccountId) return;
      if (credential.lastUsedAt && Date.now() - credential.lastUsedAt.getTime() < lastUsedGranularityMs) return;
      credential.lastUsedAt = new Date();
      await db.update(tables.connectedAccounts).set({ lastUsedAt: sql`now()` }).where(eq(tables.connectedAccounts.id, credential.connectedAccountId));
    },
  };
}

export type ConnectedAccountService = ReturnType<typeof createConnectedAccountService>;
