import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { newId } from '../ids.js';
import { keysetAfter, keysetOrder, type Page, toPage } from '../pagination.js';
import { actingUser, type Principal, requireScope } from '../tenancy/index.js';
import { type AccountRow, activateAccount, findAccount, makeDefault, openCredentials, promoteDefault, requireAccountWrite } from './account-store.js';
import { type AuthConfigRow, latestAuthConfig, loadAuthConfig, oauthClientConfig, type ToolkitLookup } from './auth-configs.js';
import { checkCredentialFields, credentialHints, maskSecret } from './credential-fields.js';
import type { CredentialResolver } from './credential-resolver.js';
import type { OAuthClient } from './oauth-client.js';
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
    auth_config_id: z.string().nullable(),
    status: z.enum(connectedAccountStatuses),
    status_reason: z.string().nullable(),
    alias: z.string().nullable(),
    is_default: z.boolean(),
    base_url: z.string().nullable(),
    credential_hints: z.record(z.string(), z.string()).describe('Masked hints only; credentials are write-only.'),
    token_expires_at: z.string().nullable().describe('OAuth accounts: when the current access token expires (it is refreshed before then).'),
    created_at: z.string(),
    updated_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .meta({ id: 'ConnectedAccount' });
export type ConnectedAccountView = z.infer<typeof connectedAccountSchema>;

export function presentAccount(row: AccountRow): ConnectedAccountView {
  return {
    id: row.id,
    user_id: row.userId,
    toolkit: row.toolkit,
    auth_scheme: row.authScheme,
    auth_config_id: row.authConfigId,
    status: row.status as ConnectedAccountStatus,
    status_reason: row.statusReason,
    alias: row.alias,
    is_default: row.isDefault,
    base_url: row.baseUrl,
    credential_hints: row.credentialHints as Record<string, string>,
    token_expires_at: row.tokenExpiresAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

export const createConnectedAccountSchema = z
  .object({
    user_id: z.string().optional().describe('The end user; a user-bound key may leave it out.'),
    toolkit: z.string().min(1).max(64),
    auth_config_id: z
      .string()
      .max(64)
      .optional()
      .describe('Connect through this auth config (its scheme and tool allow-list apply). Required for OAuth client credentials.'),
    auth_scheme: z
      .enum(['none', 'api_key', 'basic', 'bearer'])
      .optional()
      .describe("Without an auth config: the toolkit's scheme to use; defaults to its first one that takes typed-in credentials."),
    credentials: z.record(z.string(), z.unknown()).default({}).describe('Write-only: never returned.'),
    base_url: z.url().optional().describe('Another base URL for this account (self-hosted or regional API); outbound safety rules apply.'),
    server_urls: z.record(z.string(), z.url()).optional(),
    alias: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
export type CreateConnectedAccount = z.infer<typeof createConnectedAccountSchema>;

export const updateConnectedAccountSchema = z
  .object({
    alias: z.string().trim().min(1).max(100).nullable().optional(),
    is_default: z.literal(true).optional().describe("Make this the user's default account for its toolkit."),
  })
  .strict();
export type UpdateConnectedAccount = z.infer<typeof updateConnectedAccountSchema>;

export interface ConnectedAccountServiceOptions {
  db: Database;
  vault: Vault;
  oauth: OAuthClient;
  resolver: CredentialResolver;
  toolkits: ToolkitLookup;
  /** Where failures of best-effort work (token revocation) are reported; never with secrets. */
  warn?: (message: string, details: Record<string, unknown>) => void;
}

/** The toolkit scheme an account connects with, from its auth config or the request. */
function chooseScheme(toolkit: { slug: string; auth: readonly AuthScheme[] }, config: AuthConfigRow | undefined, wanted: string | undefined): AuthScheme {
  const type = config ? (config.scheme.startsWith('oauth2') ? 'oauth2' : config.scheme) : wanted;
  const scheme = type ? toolkit.auth.find((candidate) => candidate.type === type) : toolkit.auth.find((candidate) => candidate.type !== 'oauth2');
  if (!scheme) {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      `${toolkit.slug} does not accept ${type ?? 'typed-in credentials'}; it accepts ${toolkit.auth.map((s) => s.type).join(', ')}.`,
      { field: 'auth_scheme' },
    );
  }
  return scheme;
}

/** Connected accounts over REST: create, list, read, change, refresh and delete (credentials stay write-only). */
export function createConnectedAccountService(options: ConnectedAccountServiceOptions) {
  const { db, vault, oauth, resolver } = options;
  const accounts = tables.connectedAccounts;

  /** Runs a change and keeps the resolver's cache honest, before and after the commit. */
  async function changing<T>(work: () => Promise<T>): Promise<T> {
    resolver.invalidate();
    try {
      return await work();
    } finally {
      resolver.invalidate();
    }
  }

  async function revokeTokens(row: AccountRow): Promise<void> {
    if (row.authScheme !== 'oauth2' || !row.authConfigId || !row.credentials) return;
    try {
      const config = oauthClientConfig(vault, await loadAuthConfig(db, row.projectId, row.authConfigId), await options.toolkits(row.projectId, row.toolkit));
      const tokens = openCredentials(vault, row);
      if (tokens.refresh_token) await oauth.revoke(config, tokens.refresh_token, 'refresh_token');
      if (tokens.access_token) await oauth.revoke(config, tokens.access_token, 'access_token');
    } catch (error) {
      options.warn?.('token revocation failed; the account is deleted anyway', {
        connected_account_id: row.id,
        code: (error as SwitchboardError).code,
        reason: (error as Error).message,
      });
    }
  }

  return {
    /**
     * Stores credentials a developer posts (API key, basic, bearer), or connects a service account
     * through an OAuth client-credentials auth config. The account is ACTIVE at once.
     */
    async create(principal: Principal, input: CreateConnectedAccount): Promise<ConnectedAccountView> {
      const userId = actingUser(principal, input.user_id);
      requireAccountWrite(principal, userId);
      const toolkit = await options.toolkits(principal.projectId, input.toolkit);
      let config = input.auth_config_id ? await loadAuthConfig(db, principal.projectId, input.auth_config_id) : undefined;
      if (!config && !input.auth_scheme) {
        // The project's own config for the toolkit applies (its allow-list too), when it takes typed-in credentials.
        config = await latestAuthConfig(db, principal.projectId, toolkit.slug, ['none', 'api_key', 'basic', 'bearer']);
      }
      if (config && config.toolkit !== toolkit.slug) {
        throw new SwitchboardError('VALIDATION_FAILED', `Auth config ${config.id} is for ${config.toolkit}, not ${toolkit.slug}.`, { field: 'auth_config_id' });
      }
      if (config?.scheme === 'oauth2_authorization_code') {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          'OAuth 2 accounts are connected by the user through a connect link: POST /v1/connect-links, then have them open its redirect_url.',
          { field: 'auth_config_id' },
        );
      }
      const scheme = chooseScheme(toolkit, config, input.auth_scheme);
      let credentials: Record<string, string>;
      let hints: Record<string, string>;
      let tokenExpiresAt: Date | null = null;
      if (scheme.type === 'oauth2') {
        if (config?.scheme !== 'oauth2_client_credentials') {
          throw new SwitchboardError(
            'VALIDATION_FAILED',
            'OAuth 2 accounts are connected by the user through a connect link (POST /v1/connect-links), or as a service account through an oauth2_client_credentials auth config.',
            { field: 'auth_config_id' },
          );
        }
        if (Object.keys(input.credentials).length > 0) {
          throw new SwitchboardError('VALIDATION_FAILED', 'A client-credentials account takes no credentials: the auth config holds the client.', {
            field: 'credentials',
          });
        }
        const tokens = await oauth.clientCredentials(oauthClientConfig(vault, config, toolkit));
        credentials = { access_token: tokens.access_token };
        hints = { access_token: maskSecret(tokens.access_token) };
        tokenExpiresAt = tokens.expires_at ? new Date(tokens.expires_at) : null;
      } else {
        const fields = 'fields' in scheme ? scheme.fields : [];
        credentials = checkCredentialFields(fields, input.credentials);
        hints = credentialHints(fields, credentials);
      }
      const created = await changing(() =>
        db.transaction(async (tx) => {
          await tx.insert(tables.users).values({ projectId: principal.projectId, userId }).onConflictDoNothing();
          const [pending] = await tx
            .insert(accounts)
            .values({
              id: newId('ca'),
              projectId: principal.projectId,
              userId,
              toolkit: toolkit.slug,
              authScheme: scheme.type,
              status: 'INITIATED',
              baseUrl: input.base_url ?? config?.baseUrl ?? null,
              serverUrls: input.server_urls ?? null,
              alias: input.alias ?? null,
            })
            .returning();
          return activateAccount(tx, vault, pending!, {
            authScheme: scheme.type,
            authConfigId: config?.id ?? null,
            credentials,
            hints,
            tokenExpiresAt,
          });
        }),
      );
      return presentAccount(created);
    },

    async list(
      principal: Principal,
      query: {
        user_id?: string | undefined;
        toolkit?: string | undefined;
        status?: ConnectedAccountStatus | undefined;
        auth_config_id?: string | undefined;
        limit: number;
        cursor?: string | undefined;
      },
    ): Promise<Page<ConnectedAccountView>> {
      requireScope(principal, 'tools:execute');
      const userId = principal.userId ? actingUser(principal, query.user_id) : query.user_id;
      const rows = await db
        .select()
        .from(accounts)
        .where(
          and(
            eq(accounts.projectId, principal.projectId),
            userId ? eq(accounts.userId, userId) : undefined,
            query.toolkit ? eq(accounts.toolkit, query.toolkit) : undefined,
            query.status ? eq(accounts.status, query.status) : undefined,
            query.auth_config_id ? eq(accounts.authConfigId, query.auth_config_id) : undefined,
            keysetAfter(accounts, query.cursor),
          ),
        )
        .orderBy(...keysetOrder(accounts))
        .limit(query.limit + 1);
      return toPage(rows, query.limit, presentAccount);
    },

    async get(principal: Principal, id: string): Promise<ConnectedAccountView> {
      requireScope(principal, 'tools:execute');
      return presentAccount(await findAccount(db, principal, id));
    },

    /** Renames (alias) or makes the account the user's default for its toolkit. */
    async update(principal: Principal, id: string, input: UpdateConnectedAccount): Promise<ConnectedAccountView> {
      const row = await findAccount(db, principal, id);
      requireAccountWrite(principal, row.userId);
      const updated = await changing(() =>
        db.transaction(async (tx) => {
          if (input.alias !== undefined) await tx.update(accounts).set({ alias: input.alias, updatedAt: sql`now()` }).where(eq(accounts.id, id));
          if (input.is_default) await makeDefault(tx, row);
          return findAccount(tx, principal, id);
        }),
      );
      return presentAccount(updated);
    },

    /**
     * DISABLED accounts keep their credentials but cannot run tools until enabled again; only
     * ACTIVE and DISABLED accounts can be switched (an EXPIRED or FAILED one needs reconnecting).
     */
    async setEnabled(principal: Principal, id: string, enabled: boolean): Promise<ConnectedAccountView> {
      const row = await findAccount(db, principal, id);
      requireAccountWrite(principal, row.userId);
      const target = enabled ? 'ACTIVE' : 'DISABLED';
      if (row.status === target) return presentAccount(row);
      if (row.status !== 'ACTIVE' && row.status !== 'DISABLED') {
        throw new SwitchboardError('CONFLICT', `Account ${id} is ${row.status}; reconnect it instead of ${enabled ? 'enabling' : 'disabling'} it.`, {
          connected_account_id: id,
          status: row.status,
        });
      }
      const [updated] = await changing(() =>
        db
          .update(accounts)
          .set({ status: target, statusReason: enabled ? null : 'disabled through the API', updatedAt: sql`now()` })
          .where(and(eq(accounts.id, id), eq(accounts.status, row.status)))
          .returning(),
      );
      if (!updated) throw new SwitchboardError('CONFLICT', `Account ${id} changed meanwhile; read it again.`, { connected_account_id: id });
      return presentAccount(updated);
    },

    /**
     * OAuth accounts: gets a new access token now (refresh token, or the client-credentials grant).
     * The account stays ACTIVE on success; a refused grant marks it EXPIRED. Typed-in credentials
     * cannot be refreshed: reconnect through a connect link to replace them.
     */
    async refresh(principal: Principal, id: string): Promise<ConnectedAccountView> {
      const row = await findAccount(db, principal, id);
      requireAccountWrite(principal, row.userId);
      if (row.authScheme !== 'oauth2') {
        throw new SwitchboardError(
          'CONFLICT',
          `Account ${id} uses ${row.authScheme} credentials, which have no token to refresh; to replace them, POST /v1/connect-links with connected_account_id.`,
          { connected_account_id: id },
        );
      }
      if (row.status !== 'ACTIVE' && row.status !== 'EXPIRED') {
        throw new SwitchboardError('CONFLICT', `Account ${id} is ${row.status}; only ACTIVE or EXPIRED OAuth accounts can be refreshed.`, {
          connected_account_id: id,
          status: row.status,
        });
      }
      await changing(() => resolver.refresh(row));
      return presentAccount(await findAccount(db, principal, id));
    },

    /** Deletes the account and its credentials; OAuth tokens are revoked at the provider first when it supports it. */
    async remove(principal: Principal, id: string): Promise<void> {
      const row = await findAccount(db, principal, id);
      requireAccountWrite(principal, row.userId);
      await revokeTokens(row);
      await changing(() =>
        db.transaction(async (tx) => {
          await tx.delete(accounts).where(eq(accounts.id, id));
          if (row.isDefault) await promoteDefault(tx, row);
        }),
      );
    },
  };
}

export type ConnectedAccountService = ReturnType<typeof createConnectedAccountService>;
