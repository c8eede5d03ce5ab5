import { and, desc, eq, sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { type AccountRow, connectInstructions, openCredentials, sealCredentials, setAccountStatus } from './account-store.js';
import { loadAuthConfig, oauthClientConfig, type ToolkitLookup } from './auth-configs.js';
import { maskSecret } from './credential-fields.js';
import type { OAuthClient, TokenSet } from './oauth-client.js';
import type { AuthScheme } from './schemes.js';
import type { Vault } from './vault.js';

/** The credential the executor applies to a request. */
export interface ResolvedCredential {
  connectedAccountId: string | null;
  scheme: AuthScheme['type'];
  fields: Record<string, string>;
  baseUrl?: string | undefined;
  serverUrls?: Record<string, string> | undefined;
  lastUsedAt?: Date | null;
  /** Tools the account's auth config allows; null or absent allows every tool of the toolkit. */
  allowedTools?: readonly string[] | null;
  authConfigId?: string | null;
  /** OAuth: epoch ms the access token expires at. */
  expiresAt?: number | null;
  /** `credentials_version` the fields were read at. */
  version?: number;
}

export interface ResolveContext {
  projectId: string;
  userId: string;
  toolkit: string;
  connectedAccountId?: string | undefined;
}

export interface CredentialResolverOptions {
  db: Database;
  vault: Vault;
  oauth: OAuthClient;
  toolkits: ToolkitLookup;
  /**
   * Keep resolved credentials in memory. Only correct when this process is the only writer (the
   * embedded database): every change made through the auth services clears the cache.
   */
  cacheResolutions?: boolean;
  /** Access tokens this close to expiry are refreshed before use. */
  refreshSkewMs?: number;
}

// last_used_at is informational; minute precision spares a write per tool call.
const lastUsedGranularityMs = 60_000;

function statusAdvice(row: AccountRow): string {
  switch (row.status) {
    case 'INITIATED':
      return 'the user has not finished connecting it; send them the connect link again, or create a new one';
    case 'DISABLED':
      return `enable it (POST /v1/connected-accounts/${row.id}/enable) or use another account`;
    default:
      return `reconnect it: ${connectInstructions(row.userId, row.toolkit, row.id).text}`;
  }
}

function notActive(row: AccountRow): SwitchboardError {
  return new SwitchboardError(
    'NOT_CONNECTED',
    `The ${row.toolkit} account ${row.id} is ${row.status}${row.statusReason ? ` (${row.statusReason})` : ''}; ${statusAdvice(row)}.`,
    {
      toolkit: row.toolkit,
      user_id: row.userId,
      connected_account_id: row.id,
      status: row.status,
      ...(row.status === 'DISABLED' ? {} : { connect: connectInstructions(row.userId, row.toolkit, row.id).request }),
    },
  );
}

/**
 * Finds the account a call runs with and keeps OAuth tokens fresh: refreshed shortly before expiry
 * and once after the provider rejects them, with refresh-token rotation. Several instances may
 * refresh one account at once; `credentials_version` decides which result is kept, and the loser
 * uses the winner's tokens instead of failing on a rotated refresh token.
 */
export function createCredentialResolver(options: CredentialResolverOptions) {
  const { db, vault, oauth } = options;
  const refreshSkewMs = options.refreshSkewMs ?? 60_000;
  const resolutions = new Map<string, ResolvedCredential>();
  const refreshing = new Map<string, Promise<AccountRow>>();
  const invalidate = () => resolutions.clear();
  const accounts = tables.connectedAccounts;
  const configs = tables.authConfigs;

  // Resolution runs on every tool call: prepared once, planned once per connection.
  const selection = { account: accounts, allowedTools: configs.allowedTools };
  const scope = and(
    eq(accounts.projectId, sql.placeholder('projectId')),
    eq(accounts.userId, sql.placeholder('userId')),
    eq(accounts.toolkit, sql.placeholder('toolkit')),
  );
  const defaultAccount = db
    .select(selection)
    .from(accounts)
    .leftJoin(configs, eq(configs.id, accounts.authConfigId))
    .where(scope)
    // An ACTIVE default first, else the most recent ACTIVE account, else the default (to say why it cannot run).
    .orderBy(sql`(${accounts.status} = 'ACTIVE') desc`, desc(accounts.isDefault), desc(accounts.createdAt))
    .limit(1)
    .prepare('resolve_default_connected_account');
  const namedAccount = db
    .select(selection)
    .from(accounts)
    .leftJoin(configs, eq(configs.id, accounts.authConfigId))
    .where(and(scope, eq(accounts.id, sql.placeholder('accountId'))))
    .prepare('resolve_named_connected_account');

  const expiring = (expiresAt: number | null | undefined) => expiresAt != null && expiresAt - Date.now() < refreshSkewMs;

  async function reread(id: string): Promise<AccountRow | undefined> {
    const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
    return row;
  }

  async function expire(row: AccountRow, reason: string): Promise<never> {
    await setAccountStatus(db, row.id, 'EXPIRED', reason);
    invalidate();
    throw notActive({ ...row, status: 'EXPIRED', statusReason: reason });
  }

  async function obtainTokens(row: AccountRow): Promise<TokenSet> {
    if (!row.authConfigId) return expire(row, 'it has no OAuth client configuration to refresh with');
    const config = await loadAuthConfig(db, row.projectId, row.authConfigId);
    const client = oauthClientConfig(vault, config, await options.toolkits(row.projectId, row.toolkit));
    const current = openCredentials(vault, row);
    if (current.refresh_token) return oauth.refresh(client, current.refresh_token);
    if (config.scheme === 'oauth2_client_credentials') return oauth.clientCredentials(client);
    return expire(row, 'the access token was refused or ran out and the provider gave no refresh token');
  }

  async function refreshNow(row: AccountRow): Promise<AccountRow> {
    let tokens: TokenSet;
    try {
      tokens = await obtainTokens(row);
    } catch (error) {
      if (error instanceof SwitchboardError && error.code === 'OAUTH_FAILED' && error.details?.oauth_error === 'invalid_grant') {
        // Another instance may have used (and so rotated) the same refresh token a moment ago.
        const latest = await reread(row.id);
        if (latest && latest.credentialsVersion !== row.credentialsVersion && latest.status === 'ACTIVE') return latest;
        return expire(row, `${error.message} Access was revoked or has expired`);
      }
      throw error;
    }
    const credentials = { access_token: tokens.access_token, ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}) };
    const [updated] = await db
      .update(accounts)
      .set({
        credentials: sealCredentials(vault, row.id, credentials),
        credentialsVersion: row.credentialsVersion + 1,
        credentialHints: { access_token: maskSecret(tokens.access_token) },
        tokenExpiresAt: tokens.expires_at ? new Date(tokens.expires_at) : null,
        status: 'ACTIVE',
        statusReason: null,
        updatedAt: sql`now()`,
      })
      .where(and(eq(accounts.id, row.id), eq(accounts.credentialsVersion, row.credentialsVersion)))
      .returning();
    invalidate();
    if (updated) return updated;
    const winner = await reread(row.id);
    if (!winner) throw new SwitchboardError('NOT_FOUND', `Connected account ${row.id} was deleted meanwhile.`, { connected_account_id: row.id });
    return winner;
  }

  /** One refresh per account at a time in this process; concurrent callers share its result. */
  function refresh(row: AccountRow): Promise<AccountRow> {
    let pending = refreshing.get(row.id);
    if (!pending) {
      pending = refreshNow(row).finally(() => refreshing.delete(row.id));
      refreshing.set(row.id, pending);
    }
    return pending;
  }

  function credentialOf(row: AccountRow, allowedTools: readonly string[] | null): ResolvedCredential {
    return {
      connectedAccountId: row.id,
      scheme: row.authScheme as AuthScheme['type'],
      fields: openCredentials(vault, row),
      baseUrl: row.baseUrl ?? undefined,
      serverUrls: (row.serverUrls as Record<string, string> | null) ?? undefined,
      lastUsedAt: row.lastUsedAt,
      allowedTools,
      authConfigId: row.authConfigId,
      expiresAt: row.tokenExpiresAt?.getTime() ?? null,
      version: row.credentialsVersion,
    };
  }

  return {
    /**
     * The account a call runs with: the one named (it must be this user's), else the user's default
     * for the toolkit (else their most recent ACTIVE one). Only ACTIVE accounts run tools.
     */
    async resolve(context: ResolveContext): Promise<ResolvedCredential> {
      const cacheKey = `${context.projectId}\u0000${context.userId}\u0000${context.toolkit}\u0000${context.connectedAccountId ?? ''}`;
      const cached = options.cacheResolutions ? resolutions.get(cacheKey) : undefined;
      if (cached && !expiring(cached.expiresAt)) return cached;
      const parameters = { projectId: context.projectId, userId: context.userId, toolkit: context.toolkit };
      const [found] = context.connectedAccountId
        ? await namedAccount.execute({ ...parameters, accountId: context.connectedAccountId })
        : await defaultAccount.execute(parameters);
      if (!found) {
        if (context.connectedAccountId) {
          throw new SwitchboardError(
            'NOT_FOUND',
            `Connected account ${context.connectedAccountId} is not a ${context.toolkit} account of user ${context.userId}.`,
            { connected_account_id: context.connectedAccountId },
          );
        }
        const connect = connectInstructions(context.userId, context.toolkit);
        throw new SwitchboardError('NOT_CONNECTED', `User ${context.userId} has no connected ${context.toolkit} account. Connect one: ${connect.text}.`, {
          toolkit: context.toolkit,
          user_id: context.userId,
          connect: connect.request,
        });
      }
      let row = found.account;
      if (row.status !== 'ACTIVE') throw notActive(row);
      if (row.authScheme === 'oauth2' && expiring(row.tokenExpiresAt?.getTime())) row = await refresh(row);
      const resolved = credentialOf(row, found.allowedTools);
      if (options.cacheResolutions) {
        if (resolutions.size >= 10_000) invalidate();
        resolutions.set(cacheKey, resolved);
      }
      return resolved;
    },

    /**
     * After the provider answered 401 to an OAuth token: refreshes once (unless another call already
     * did) and returns the new credential, or marks the account EXPIRED and throws NOT_CONNECTED.
     */
    async recoverFromRejection(credential: ResolvedCredential): Promise<ResolvedCredential> {
      if (credential.scheme !== 'oauth2' || !credential.connectedAccountId) {
        throw new SwitchboardError('INTERNAL', 'Only OAuth credentials can be refreshed.');
      }
      const row = await reread(credential.connectedAccountId);
      if (!row) throw new SwitchboardError('NOT_FOUND', `Connected account ${credential.connectedAccountId} was deleted meanwhile.`);
      if (row.status !== 'ACTIVE') throw notActive(row);
      const fresh = row.credentialsVersion !== credential.version ? row : await refresh(row);
      return credentialOf(fresh, credential.allowedTools ?? null);
    },

    /** Refreshes an account's tokens now (REST `refresh`); throws NOT_CONNECTED when the grant is gone. */
    refresh,

    async markUsed(credential: ResolvedCredential): Promise<void> {
      if (!credential.connectedAccountId) return;
      if (credential.lastUsedAt && Date.now() - credential.lastUsedAt.getTime() < lastUsedGranularityMs) return;
      credential.lastUsedAt = new Date();
      await db.update(accounts).set({ lastUsedAt: sql`now()` }).where(eq(accounts.id, credential.connectedAccountId));
    },

    invalidate,
  };
}

export type CredentialResolver = ReturnType<typeof createCredentialResolver>;
