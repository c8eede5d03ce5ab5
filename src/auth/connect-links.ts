import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { newId } from '../ids.js';
import { actingUser, type Principal, requireScope } from '../tenancy/index.js';
import { type AccountRow, activateAccount, findAccount, type Queryable, setAccountStatus } from './account-store.js';
import { type AuthConfigRow, latestAuthConfig, loadAuthConfig, oauthCallbackPath, oauthClientConfig, type ToolkitLookup } from './auth-configs.js';
import { checkCredentialFields, credentialHints, maskSecret } from './credential-fields.js';
import type { CredentialResolver } from './credential-resolver.js';
import { createLinkStateCodec, randomToken, sha256 } from './link-state.js';
import type { OAuthClient } from './oauth-client.js';
import type { AuthScheme, ConnectionField } from './schemes.js';
import type { Vault } from './vault.js';

export const createConnectLinkSchema = z
  .object({
    user_id: z.string().optional().describe('The end user who will connect; a user-bound key may leave it out.'),
    toolkit: z.string().min(1).max(64),
    auth_config_id: z.string().max(64).optional().describe("Defaults to the project's most recent auth config for the toolkit, if any."),
    auth_scheme: z
      .enum(['api_key', 'basic', 'bearer'])
      .optional()
      .describe("Without an auth config: which of the toolkit's typed-in schemes the page asks for (default: its first)."),
    connected_account_id: z.string().max(64).optional().describe('Reconnect this existing account (same id) instead of creating a new one.'),
    callback_url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional()
      .describe('Where the person is sent when done; gets ?status=success|failed&connected_account_id=…'),
    alias: z.string().trim().min(1).max(100).optional().describe('A name for the new account, to tell several accounts of one toolkit apart.'),
    base_url: z.url().optional().describe('Another base URL for the new account (self-hosted or regional API); outbound safety rules apply.'),
    server_urls: z.record(z.string(), z.url()).optional(),
    expires_in: z.number().int().min(60).max(86_400).optional().describe('Seconds the link stays valid (default 1800).'),
  })
  .strict();
export type CreateConnectLinkInput = z.infer<typeof createConnectLinkSchema>;

export const connectLinkSchema = z
  .object({
    link_token: z.string().describe('Single use; shown only here (only its hash is stored).'),
    redirect_url: z.string().describe('Open this in a browser: the hosted connect page.'),
    connected_account_id: z.string(),
    toolkit: z.string(),
    auth_scheme: z.string(),
    auth_config_id: z.string().nullable(),
    expires_at: z.string(),
  })
  .meta({ id: 'ConnectLink' });
export type ConnectLinkView = z.infer<typeof connectLinkSchema>;

type LinkRow = typeof tables.connectLinks.$inferSelect;

/** What the connect page shows for a link token. */
export type ConnectPage =
  | { state: 'unknown' }
  | { state: 'expired' | 'completed'; toolkitName: string; callbackUrl: string | null }
  | {
      state: 'pending';
      toolkit: string;
      toolkitName: string;
      scheme: AuthScheme['type'];
      fields: readonly ConnectionField[];
      reconnect: boolean;
      accountStatus: string;
      accountStatusReason: string | null;
      callbackUrl: string | null;
      expiresAt: Date;
    };

/** Where the person goes after finishing: the caller's callback URL with the outcome appended. */
export function callbackWithOutcome(callbackUrl: string, outcome: { status: 'success' | 'failed'; connectedAccountId: string; error?: string }): string {
  const url = new URL(callbackUrl);
  url.searchParams.set('status', outcome.status);
  url.searchParams.set('connected_account_id', outcome.connectedAccountId);
  if (outcome.error) url.searchParams.set('error', outcome.error.slice(0, 300));
  return url.href;
}

export interface ConnectLinkServiceOptions {
  db: Database;
  vault: Vault;
  oauth: OAuthClient;
  resolver: CredentialResolver;
  toolkits: ToolkitLookup;
  /** The server's public base URL (known only after listening when the port is chosen at start). */
  publicUrl: () => string;
  defaultLifetimeSeconds?: number;
}

/** The person-facing outcome of finishing a link. */
export interface ConnectOutcome {
  connectedAccountId: string;
  toolkitName: string;
  callbackUrl: string | null;
}

const linkGone = (why: 'expired' | 'used' | 'unknown') =>
  new SwitchboardError(
    why === 'unknown' ? 'NOT_FOUND' : 'LINK_EXPIRED',
    why === 'unknown'
      ? 'This connect link is not valid. Ask the app that sent it for a new one.'
      : why === 'used'
        ? 'This connect link was already used. Ask the app that sent it for a new one if you need to connect again.'
        : 'This connect link has expired. Ask the app that sent it for a new one.',
    { reason: why },
  );

/**
 * Connect links: short-lived, single-use capabilities that let a person connect an account on the
 * hosted page (typed-in credentials, or an OAuth authorization-code flow with PKCE) without the
 * agent ever seeing the credentials.
 */
export function createConnectLinkService(options: ConnectLinkServiceOptions) {
  const { db, vault, oauth, resolver } = options;
  const links = tables.connectLinks;
  const states = createLinkStateCodec(vault);
  const redirectUri = () => new URL(oauthCallbackPath, options.publicUrl()).href;
  const verifierContext = (linkHash: string) => `connect_link:${linkHash}`;

  async function findLink(tokenOrHash: { token: string } | { hash: string }): Promise<LinkRow | undefined> {
    const hash = 'token' in tokenOrHash ? sha256(tokenOrHash.token) : tokenOrHash.hash;
    const [row] = await db.select().from(links).where(eq(links.tokenHash, hash));
    return row;
  }

  /** A link that can still be used, or the reason it cannot. */
  async function usableLink(tokenOrHash: { token: string } | { hash: string }): Promise<LinkRow> {
    const link = await findLink(tokenOrHash);
    if (!link) throw linkGone('unknown');
    if (link.completedAt) throw linkGone('used');
    if (link.expiresAt.getTime() <= Date.now()) throw linkGone('expired');
    return link;
  }

  async function accountOf(link: LinkRow): Promise<AccountRow> {
    const [row] = await db.select().from(tables.connectedAccounts).where(eq(tables.connectedAccounts.id, link.connectedAccountId));
    if (!row) throw linkGone('unknown');
    return row;
  }

  /** Marks the link used, atomically: of two concurrent submissions exactly one wins. */
  async function claim(tx: Queryable, link: LinkRow): Promise<void> {
    const [claimed] = await tx
      .update(links)
      .set({ completedAt: sql`now()`, codeVerifier: null, oauthStateHash: null })
      .where(and(eq(links.tokenHash, link.tokenHash), isNull(links.completedAt), gt(links.expiresAt, sql`now()`)))
      .returning({ hash: links.tokenHash });
    if (!claimed) throw linkGone(link.expiresAt.getTime() <= Date.now() ? 'expired' : 'used');
  }

  async function finish(link: LinkRow, activation: Parameters<typeof activateAccount>[3]): Promise<ConnectOutcome> {
    const account = await accountOf(link);
    resolver.invalidate();
    await db.transaction(async (tx) => {
      await claim(tx, link);
      await activateAccount(tx, vault, account, activation);
    });
    resolver.invalidate();
    const toolkit = await options.toolkits(link.projectId, link.toolkit);
    return { connectedAccountId: account.id, toolkitName: toolkit.name, callbackUrl: link.callbackUrl };
  }

  /** A failed attempt leaves a new account FAILED (a reconnected one keeps its state); the link stays usable. */
  async function recordFailure(link: LinkRow, reason: string): Promise<void> {
    if (link.reconnect) return;
    await setAccountStatus(db, link.connectedAccountId, 'FAILED', reason);
    resolver.invalidate();
  }

  function schemeOf(toolkit: { slug: string; auth: readonly AuthScheme[] }, type: string): AuthScheme {
    const scheme = toolkit.auth.find((candidate) => candidate.type === type);
    if (!scheme) throw new SwitchboardError('VALIDATION_FAILED', `${toolkit.slug} no longer accepts ${type}; ask for a new link.`);
    return scheme;
  }

  async function oauthConfigFor(link: LinkRow) {
    if (!link.authConfigId) throw new SwitchboardError('VALIDATION_FAILED', 'This link has no OAuth configuration; ask for a new link.');
    const config = await loadAuthConfig(db, link.projectId, link.authConfigId);
    return oauthClientConfig(vault, config, await options.toolkits(link.projectId, link.toolkit));
  }

  return {
    stateLifetimeSeconds: states.lifetimeSeconds,

    /** Creates a link for a user to connect (or reconnect) an account; the account is INITIATED until they finish. */
    async create(principal: Principal, input: CreateConnectLinkInput): Promise<ConnectLinkView> {
      requireScope(principal, 'tools:execute');
      const userId = actingUser(principal, input.user_id);
      const toolkit = await options.toolkits(principal.projectId, input.toolkit);
      let config: AuthConfigRow | undefined;
      if (input.auth_config_id && input.auth_scheme) {
        throw new SwitchboardError('VALIDATION_FAILED', 'Pass auth_config_id or auth_scheme, not both: the auth config decides the scheme.', {
          field: 'auth_scheme',
        });
      }
      if (input.auth_config_id) {
        config = await loadAuthConfig(db, principal.projectId, input.auth_config_id);
        if (config.toolkit !== toolkit.slug) {
          throw new SwitchboardError('VALIDATION_FAILED', `Auth config ${config.id} is for ${config.toolkit}, not ${toolkit.slug}.`, {
            field: 'auth_config_id',
          });
        }
      } else if (!input.auth_scheme) {
        // Client-credentials configs are for service accounts, not for people following a link.
        config = await latestAuthConfig(db, principal.projectId, toolkit.slug, ['none', 'api_key', 'basic', 'bearer', 'oauth2_authorization_code']);
      }
      const type = config
        ? config.scheme.startsWith('oauth2')
          ? 'oauth2'
          : config.scheme
        : (input.auth_scheme ?? toolkit.auth.find((scheme) => scheme.type !== 'oauth2')?.type);
      if (!type) {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          `${toolkit.slug} connects only through OAuth 2: first create an auth config with your OAuth app (POST /v1/auth-configs {"toolkit":"${toolkit.slug}","scheme":"oauth2_authorization_code","client_id":…,"client_secret":…}).`,
          { field: 'auth_config_id' },
        );
      }
      if (type === 'none')
        throw new SwitchboardError('VALIDATION_FAILED', `${toolkit.slug} needs no connection: its tools run without credentials.`, { field: 'toolkit' });
      if (config?.scheme === 'oauth2_client_credentials') {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          `Auth config ${config.id} uses the client-credentials grant: no person signs in. Connect the service account with POST /v1/connected-accounts {"user_id":…,"toolkit":"${toolkit.slug}","auth_config_id":"${config.id}"}.`,
          { field: 'auth_config_id' },
        );
      }
      if (!toolkit.auth.some((scheme) => scheme.type === type)) {
        throw new SwitchboardError('VALIDATION_FAILED', `${toolkit.slug} does not accept ${type}; it accepts ${toolkit.auth.map((s) => s.type).join(', ')}.`, {
          field: 'auth_scheme',
        });
      }
      let existing: AccountRow | undefined;
      if (input.connected_account_id) {
        if (input.base_url || input.server_urls || input.alias) {
          throw new SwitchboardError('VALIDATION_FAILED', 'base_url, server_urls and alias apply to new accounts; a reconnected account keeps its own.', {
            field: 'connected_account_id',
          });
        }
        existing = await findAccount(db, principal, input.connected_account_id);
        if (existing.userId !== userId || existing.toolkit !== toolkit.slug) {
          throw new SwitchboardError('NOT_FOUND', `Connected account ${input.connected_account_id} is not a ${toolkit.slug} account of user ${userId}.`, {
            connected_account_id: input.connected_account_id,
          });
        }
      }
      const token = `lt_${randomToken(24)}`;
      const expiresAt = new Date(Date.now() + (input.expires_in ?? options.defaultLifetimeSeconds ?? 1800) * 1000);
      const accountId = await db.transaction(async (tx) => {
        await tx.insert(tables.users).values({ projectId: principal.projectId, userId }).onConflictDoNothing();
        let id = existing?.id;
        if (!id) {
          const [created] = await tx
            .insert(tables.connectedAccounts)
            .values({
              id: newId('ca'),
              projectId: principal.projectId,
              userId,
              toolkit: toolkit.slug,
              authScheme: type,
              authConfigId: config?.id ?? null,
              status: 'INITIATED',
              statusReason: 'waiting for the user to open the connect link',
              alias: input.alias ?? null,
              baseUrl: input.base_url ?? config?.baseUrl ?? null,
              serverUrls: input.server_urls ?? null,
            })
            .returning({ id: tables.connectedAccounts.id });
          id = created!.id;
        }
        await tx.insert(links).values({
          tokenHash: sha256(token),
          projectId: principal.projectId,
          userId,
          toolkit: toolkit.slug,
          authScheme: type,
          authConfigId: config?.id ?? null,
          connectedAccountId: id,
          reconnect: Boolean(existing),
          callbackUrl: input.callback_url ?? null,
          expiresAt,
        });
        return id;
      });
      resolver.invalidate();
      return {
        link_token: token,
        redirect_url: new URL(`/connect/${token}`, options.publicUrl()).href,
        connected_account_id: accountId,
        toolkit: toolkit.slug,
        auth_scheme: type,
        auth_config_id: config?.id ?? null,
        expires_at: expiresAt.toISOString(),
      };
    },

    /** What the connect page shows; never throws for a bad token (the page explains instead). */
    async page(token: string): Promise<ConnectPage> {
      const link = await findLink({ token });
      if (!link) return { state: 'unknown' };
      const toolkit = await options.toolkits(link.projectId, link.toolkit).catch(() => undefined);
      if (!toolkit) return { state: 'unknown' };
      if (link.completedAt) return { state: 'completed', toolkitName: toolkit.name, callbackUrl: link.callbackUrl };
      if (link.expiresAt.getTime() <= Date.now()) return { state: 'expired', toolkitName: toolkit.name, callbackUrl: link.callbackUrl };
      const account = await accountOf(link);
      const scheme = toolkit.auth.find((candidate) => candidate.type === link.authScheme);
      if (!scheme) return { state: 'unknown' };
      return {
        state: 'pending',
        toolkit: toolkit.slug,
        toolkitName: toolkit.name,
        scheme: scheme.type,
        fields: 'fields' in scheme ? scheme.fields : [],
        reconnect: link.reconnect,
        accountStatus: account.status,
        accountStatusReason: account.statusReason,
        callbackUrl: link.callbackUrl,
        expiresAt: link.expiresAt,
      };
    },

    /** The person typed in credentials: check every field, then activate the account and spend the link. */
    async submitFields(token: string, values: Record<string, unknown>): Promise<ConnectOutcome> {
      const link = await usableLink({ token });
      const toolkit = await options.toolkits(link.projectId, link.toolkit);
      const scheme = schemeOf(toolkit, link.authScheme);
      if (scheme.type === 'oauth2' || !('fields' in scheme)) {
        throw new SwitchboardError('VALIDATION_FAILED', `${toolkit.name} is connected by signing in with ${toolkit.name}, not with a form.`);
      }
      const credentials = checkCredentialFields(scheme.fields, values);
      return finish(link, {
        authScheme: scheme.type,
        authConfigId: link.authConfigId,
        credentials,
        hints: credentialHints(scheme.fields, credentials),
        tokenExpiresAt: null,
      });
    },

    /**
     * Starts the OAuth redirect: a fresh PKCE verifier (sealed on the link) and a signed state that
     * names the link by hash. `binding` goes into an HttpOnly cookie: the callback must come back to
     * the same browser.
     */
    async beginOAuth(token: string): Promise<{ authorizationUrl: string; binding: { name: string; value: string } }> {
      const link = await usableLink({ token });
      if (link.authScheme !== 'oauth2') throw new SwitchboardError('VALIDATION_FAILED', 'This link is completed with a form, not by signing in.');
      const config = await oauthConfigFor(link);
      const nonce = randomToken(16);
      const codeVerifier = oauth.generateCodeVerifier();
      const state = await states.sign({ linkHash: link.tokenHash, nonce, bindingHash: sha256(token) });
      const url = await oauth.authorizationUrl(config, { redirectUri: redirectUri(), state, codeVerifier });
      await db
        .update(links)
        .set({ oauthStateHash: sha256(nonce), codeVerifier: vault.seal(codeVerifier, verifierContext(link.tokenHash)) })
        .where(eq(links.tokenHash, link.tokenHash));
      return { authorizationUrl: url.href, binding: { name: bindingCookieName(link.tokenHash), value: token } };
    },

    /** The provider sent the browser back: verify state and browser, exchange the code, activate the account. */
    async completeOAuth(
      callback: URLSearchParams,
      cookies: Record<string, string>,
    ): Promise<ConnectOutcome & { retryToken: string | undefined; error?: SwitchboardError }> {
      const stateParameter = callback.get('state');
      if (!stateParameter) {
        throw new SwitchboardError('VALIDATION_FAILED', 'The sign-in response has no state parameter. Open the connect link again and retry.', {
          field: 'state',
        });
      }
      const state = await states.verify(stateParameter);
      const boundToken = cookies[bindingCookieName(state.linkHash)];
      if (!boundToken || sha256(boundToken) !== state.bindingHash || sha256(boundToken) !== state.linkHash) {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          'This sign-in was started in another browser (or its cookie was blocked). Open the connect link in this browser and retry.',
          { field: 'state' },
        );
      }
      const link = await usableLink({ hash: state.linkHash });
      if (link.oauthStateHash !== sha256(state.nonce) || !link.codeVerifier) {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          'This sign-in response is stale: a newer attempt was started, or it was already used. Retry from the connect link.',
          {
            field: 'state',
          },
        );
      }
      const config = await oauthConfigFor(link);
      const codeVerifier = vault.openText(link.codeVerifier, verifierContext(link.tokenHash));
      // The state is spent now, atomically, success or not: a replayed or concurrent callback finds nothing to match.
      const [spent] = await db
        .update(links)
        .set({ oauthStateHash: null, codeVerifier: null })
        .where(and(eq(links.tokenHash, link.tokenHash), eq(links.oauthStateHash, sha256(state.nonce))))
        .returning({ hash: links.tokenHash });
      if (!spent) throw new SwitchboardError('VALIDATION_FAILED', 'This sign-in response was already used. Retry from the connect link.', { field: 'state' });
      const toolkit = await options.toolkits(link.projectId, link.toolkit);
      try {
        const tokens = await oauth.exchangeCode(config, { callback, expectedState: stateParameter, redirectUri: redirectUri(), codeVerifier });
        const credentials = { access_token: tokens.access_token, ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}) };
        const outcome = await finish(link, {
          authScheme: 'oauth2',
          authConfigId: link.authConfigId,
          credentials,
          hints: { access_token: maskSecret(tokens.access_token) },
          tokenExpiresAt: tokens.expires_at ? new Date(tokens.expires_at) : null,
        });
        return { ...outcome, retryToken: undefined };
      } catch (error) {
        const failure =
          error instanceof SwitchboardError ? error : new SwitchboardError('INTERNAL', 'Connecting failed unexpectedly.', undefined, { cause: error });
        if (failure.code !== 'LINK_EXPIRED') await recordFailure(link, failure.message);
        return {
          connectedAccountId: link.connectedAccountId,
          toolkitName: toolkit.name,
          callbackUrl: link.callbackUrl,
          retryToken: boundToken,
          error: failure,
        };
      }
    },

    /**
     * Housekeeping, safe on every instance: accounts whose link expired unused become EXPIRED (new
     * ones only), and links older than a week are deleted.
     */
    async sweep(): Promise<{ expiredAccounts: number; deletedLinks: number }> {
      const expired = await db.execute(sql`
        update connected_accounts set status = 'EXPIRED', status_reason = 'the connect link expired before the user finished', updated_at = now()
        where status = 'INITIATED' and id in (
          select connected_account_id from connect_links where completed_at is null and expires_at <= now() and not reconnect)
          and not exists (
            select 1 from connect_links pending where pending.connected_account_id = connected_accounts.id
              and pending.completed_at is null and pending.expires_at > now())`);
      const deleted = await db.delete(links).where(lt(links.expiresAt, sql`now() - interval '7 days'`));
      const count = (result: unknown) =>
        (result as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0;
      if (count(expired) > 0) resolver.invalidate();
      return { expiredAccounts: count(expired), deletedLinks: count(deleted) };
    },
  };
}

/** One cookie per link, so two links connected at once in one browser do not collide. */
export function bindingCookieName(linkHash: string): string {
  return `sb_connect_${linkHash.slice(0, 16)}`;
}

export type ConnectLinkService = ReturnType<typeof createConnectLinkService>;
