import { and, eq, ne, sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { storable } from '../json.js';
import { type Principal, requireScope, seesUser } from '../tenancy/index.js';
import type { Vault } from './vault.js';

/** Row-level operations on connected accounts shared by the account service, the resolver and connect links. */

export type AccountRow = typeof tables.connectedAccounts.$inferSelect;
/** The database or an open transaction. */
export type Queryable = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

const accounts = tables.connectedAccounts;
const sealContext = (accountId: string) => `connected_account:${accountId}`;

export function sealCredentials(vault: Vault, accountId: string, credentials: Record<string, string>): string {
  return vault.seal(JSON.stringify(credentials), sealContext(accountId));
}

export function openCredentials(vault: Vault, row: Pick<AccountRow, 'id' | 'credentials'>): Record<string, string> {
  return row.credentials ? (JSON.parse(vault.openText(row.credentials, sealContext(row.id))) as Record<string, string>) : {};
}

export async function findAccount(db: Queryable, principal: Principal, id: string): Promise<AccountRow> {
  const [row] = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, id), eq(accounts.projectId, principal.projectId)));
  // Another user's account is as invisible to a user-bound caller as a missing one.
  if (!row || !seesUser(principal, row.userId)) throw new SwitchboardError('NOT_FOUND', `Connected account ${id} was not found.`, { connected_account_id: id });
  return row;
}

/**
 * Changing an account: a project key needs `manage`; a key bound to an end user may change that
 * user's own accounts with `tools:execute` (end users manage their own connections).
 */
export function requireAccountWrite(principal: Principal, userId: string): void {
  if (principal.userId) {
    requireScope(principal, 'tools:execute');
    if (principal.userId !== userId) throw new SwitchboardError('FORBIDDEN', `This key acts for one end user only and cannot act for user ${userId}.`);
    return;
  }
  requireScope(principal, 'manage');
}

export interface Activation {
  authScheme: string;
  authConfigId: string | null;
  credentials: Record<string, string>;
  hints: Record<string, string>;
  tokenExpiresAt: Date | null;
}

/**
 * Stores fresh credentials on an account and makes it ACTIVE. It becomes the user's default for the
 * toolkit unless another ACTIVE account already is. Run inside the caller's transaction.
 */
export async function activateAccount(tx: Queryable, vault: Vault, row: AccountRow, activation: Activation): Promise<AccountRow> {
  const [currentDefault] = await tx
    .select({ id: accounts.id, status: accounts.status })
    .from(accounts)
    .where(and(eq(accounts.projectId, row.projectId), eq(accounts.userId, row.userId), eq(accounts.toolkit, row.toolkit), eq(accounts.isDefault, true)));
  const becomesDefault = !currentDefault || currentDefault.id === row.id || currentDefault.status !== 'ACTIVE';
  if (becomesDefault && currentDefault && currentDefault.id !== row.id) {
    await tx.update(accounts).set({ isDefault: false }).where(eq(accounts.id, currentDefault.id));
  }
  const [updated] = await tx
    .update(accounts)
    .set({
      status: 'ACTIVE',
      statusReason: null,
      authScheme: activation.authScheme,
      authConfigId: activation.authConfigId,
      credentials: sealCredentials(vault, row.id, activation.credentials),
      credentialsVersion: sql`${accounts.credentialsVersion} + 1`,
      credentialHints: activation.hints,
      tokenExpiresAt: activation.tokenExpiresAt,
      isDefault: becomesDefault,
      updatedAt: sql`now()`,
    })
    .where(eq(accounts.id, row.id))
    .returning();
  return updated!;
}

/** Moves an account to a non-active status with a reason a person can act on (it may quote a provider's error). */
export async function setAccountStatus(db: Queryable, id: string, status: 'FAILED' | 'EXPIRED', reason: string): Promise<void> {
  await db
    .update(accounts)
    .set({ status, statusReason: storable(reason.slice(0, 500)), updatedAt: sql`now()` })
    .where(eq(accounts.id, id));
}

/** After the default account is deleted: the user's most recent ACTIVE account (else the most recent one) takes over. */
export async function promoteDefault(tx: Queryable, row: Pick<AccountRow, 'id' | 'projectId' | 'userId' | 'toolkit'>): Promise<void> {
  await tx.execute(sql`
    update connected_accounts set is_default = true
    where id = (select id from connected_accounts
                where project_id = ${row.projectId} and user_id = ${row.userId} and toolkit = ${row.toolkit} and id <> ${row.id}
                order by (status = 'ACTIVE') desc, created_at desc limit 1)
      and not exists (select 1 from connected_accounts
                      where project_id = ${row.projectId} and user_id = ${row.userId} and toolkit = ${row.toolkit}
                        and is_default and id <> ${row.id})`);
}

/** Makes `row` the user's default for its toolkit. */
export async function makeDefault(tx: Queryable, row: AccountRow): Promise<void> {
  await tx
    .update(accounts)
    .set({ isDefault: false })
    .where(
      and(
        eq(accounts.projectId, row.projectId),
        eq(accounts.userId, row.userId),
        eq(accounts.toolkit, row.toolkit),
        eq(accounts.isDefault, true),
        ne(accounts.id, row.id),
      ),
    );
  await tx.update(accounts).set({ isDefault: true, updatedAt: sql`now()` }).where(eq(accounts.id, row.id));
}

/** The request a caller makes to (re)connect an account: named in errors so an agent can act on them. */
export function connectInstructions(userId: string, toolkit: string, connectedAccountId?: string) {
  const body = { user_id: userId, toolkit, ...(connectedAccountId ? { connected_account_id: connectedAccountId } : {}) };
  return {
    text: `POST /v1/connect-links ${JSON.stringify(body)} and have the user open its redirect_url`,
    request: { method: 'POST', path: '/v1/connect-links', body },
  };
}
