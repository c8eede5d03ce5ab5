import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { newId } from '../ids.js';
import { keysetAfter, keysetOrder, type Page, toPage } from '../pagination.js';
import { type Principal, requireScope } from '../tenancy/index.js';
import type { Queryable } from './account-store.js';
import { maskSecret } from './credential-fields.js';
import { checkOAuthEndpoint, type OAuthClientConfig } from './oauth-client.js';
import type { AuthScheme } from './schemes.js';
import type { Vault } from './vault.js';

export const authConfigSchemes = ['none', 'api_key', 'basic', 'bearer', 'oauth2_authorization_code', 'oauth2_client_credentials'] as const;
export type AuthConfigScheme = (typeof authConfigSchemes)[number];

export const authConfigSchema = z
  .object({
    id: z.string(),
    toolkit: z.string(),
    name: z.string(),
    scheme: z.enum(authConfigSchemes),
    client_id: z.string().nullable(),
    client_secret_hint: z.string().nullable().describe('Masked; the secret itself is write-only.'),
    scopes: z.array(z.string()),
    allowed_tools: z.array(z.string()).nullable().describe('Only these tools may run with accounts of this config; null allows all.'),
    authorization_url: z.string().nullable().describe("OAuth endpoint overrides (self-hosted providers); null uses the toolkit's."),
    token_url: z.string().nullable(),
    revocation_url: z.string().nullable(),
    redirect_uri: z.string().nullable().describe('For OAuth configs: the callback URL to register in your OAuth app.'),
    base_url: z.string().nullable().describe("Base URL new accounts of this config call (a region or a self-hosted server); null: the toolkit's."),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'AuthConfig' });
export type AuthConfigView = z.infer<typeof authConfigSchema>;

export const createAuthConfigSchema = z
  .object({
    toolkit: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(200).optional(),
    scheme: z.enum(authConfigSchemes).optional().describe("Defaults to the toolkit's first scheme."),
    client_id: z.string().min(1).max(2000).optional(),
    client_secret: z.string().min(1).max(8192).optional(),
    scopes: z.array(z.string().min(1).max(200)).max(100).optional(),
    allowed_tools: z.array(z.string().min(1).max(200)).max(1000).optional(),
    base_url: z
      .url()
      .max(2000)
      .optional()
      .describe("Base URL for accounts connected through this config (a region or a self-hosted server); may hold the toolkit's {variables}."),
    authorization_url: z.url().max(2000).optional().describe("OAuth only: override the toolkit's authorization endpoint (e.g. a self-hosted provider)."),
    token_url: z.url().max(2000).optional(),
    revocation_url: z.url().max(2000).optional(),
  })
  .strict();
export type CreateAuthConfigInput = z.infer<typeof createAuthConfigSchema>;

export const updateAuthConfigSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    client_id: z.string().min(1).max(2000).optional(),
    client_secret: z.string().min(1).max(8192).optional(),
    scopes: z.array(z.string().min(1).max(200)).max(100).optional(),
    allowed_tools: z.array(z.string().min(1).max(200)).max(1000).nullable().optional(),
    base_url: z.url().max(2000).nullable().optional(),
    authorization_url: z.url().max(2000).nullable().optional(),
    token_url: z.url().max(2000).nullable().optional(),
    revocation_url: z.url().max(2000).nullable().optional(),
  })
  .strict();
export type UpdateAuthConfigInput = z.infer<typeof updateAuthConfigSchema>;

/** What the auth module needs to know of a toolkit (the catalog, above it, provides it). */
export interface ToolkitAuthFacts {
  slug: string;
  name: string;
  auth: readonly AuthScheme[];
  toolSlugs: readonly string[];
}

/** Looks a toolkit up for a project (TOOLKIT_NOT_FOUND when there is none). */
export type ToolkitLookup = (projectId: string, slug: string) => Promise<ToolkitAuthFacts>;

export type AuthConfigRow = typeof tables.authConfigs.$inferSelect;
const sealContext = (id: string) => `auth_config:${id}`;

function toolkitSchemeFor(scheme: AuthConfigScheme): AuthScheme['type'] {
  return scheme.startsWith('oauth2') ? 'oauth2' : (scheme as AuthScheme['type']);
}

function schemeOf(toolkit: ToolkitAuthFacts, requested: AuthConfigScheme | undefined): AuthConfigScheme {
  if (requested) {
    if (!toolkit.auth.some((scheme) => scheme.type === toolkitSchemeFor(requested))) {
      throw new SwitchboardError(
        'VALIDATION_FAILED',
        `${toolkit.slug} does not accept ${requested}; it accepts ${toolkit.auth.map((s) => s.type).join(', ')}.`,
        {
          field: 'scheme',
        },
      );
    }
    return requested;
  }
  const first = toolkit.auth[0]!;
  if (first.type !== 'oauth2') return first.type;
  return first.grant === 'client_credentials' ? 'oauth2_client_credentials' : 'oauth2_authorization_code';
}

const endpointFields = ['authorization_url', 'token_url', 'revocation_url'] as const;

function checkEndpoints(scheme: string, input: Partial<Record<(typeof endpointFields)[number], string | null | undefined>>): void {
  for (const field of endpointFields) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (!scheme.startsWith('oauth2')) throw new SwitchboardError('VALIDATION_FAILED', `${field} belongs to OAuth 2 configs, not ${scheme}.`, { field });
    checkOAuthEndpoint(value, field);
  }
}

/** The OAuth client an account of this config talks to: the project's app, on the toolkit's endpoints unless overridden. */
export function oauthClientConfig(vault: Vault, row: AuthConfigRow, toolkit: ToolkitAuthFacts): OAuthClientConfig {
  const scheme = toolkit.auth.find((candidate) => candidate.type === 'oauth2');
  if (scheme?.type !== 'oauth2' || !row.clientId) {
    throw new SwitchboardError('VALIDATION_FAILED', `Auth config ${row.id} is not an OAuth 2 configuration of ${toolkit.slug}.`, { auth_config_id: row.id });
  }
  return {
    clientId: row.clientId,
    clientSecret: row.clientSecret ? vault.openText(row.clientSecret, sealContext(row.id)) : undefined,
    authorizationUrl: row.authorizationUrl ?? scheme.authorization_url,
    tokenUrl: row.tokenUrl ?? scheme.token_url,
    revocationUrl: row.revocationUrl ?? scheme.revocation_url,
    scopes: row.scopes,
  };
}

/** An auth config of the project by id, for other services of this module. */
export async function loadAuthConfig(db: Queryable, projectId: string, id: string): Promise<AuthConfigRow> {
  const [row] = await db
    .select()
    .from(tables.authConfigs)
    .where(and(eq(tables.authConfigs.id, id), eq(tables.authConfigs.projectId, projectId)));
  if (!row) throw new SwitchboardError('NOT_FOUND', `Auth config ${id} was not found.`, { auth_config_id: id });
  return row;
}

/** The project's most recent auth config for a toolkit among `schemes`, if it made one. */
export async function latestAuthConfig(
  db: Queryable,
  projectId: string,
  toolkit: string,
  schemes: readonly AuthConfigScheme[],
): Promise<AuthConfigRow | undefined> {
  const [row] = await db
    .select()
    .from(tables.authConfigs)
    .where(and(eq(tables.authConfigs.projectId, projectId), eq(tables.authConfigs.toolkit, toolkit), inArray(tables.authConfigs.scheme, [...schemes])))
    .orderBy(sql`${tables.authConfigs.createdAt} desc`)
    .limit(1);
  return row;
}

export const oauthCallbackPath = '/connect/oauth/callback';

function checkAllowedTools(toolkit: ToolkitAuthFacts, allowed: readonly string[] | null | undefined): void {
  const unknown = (allowed ?? []).filter((slug) => !toolkit.toolSlugs.includes(slug));
  if (unknown.length > 0) {
    throw new SwitchboardError('VALIDATION_FAILED', `allowed_tools names tools that are not in ${toolkit.slug}: ${unknown.slice(0, 5).join(', ')}.`, {
      field: 'allowed_tools',
      unknown_tools: unknown,
    });
  }
}

/**
 * Auth configs: how a project's users connect a toolkit. The OAuth client secret is sealed by the
 * vault and never returned; responses carry a masked hint.
 */
/** @param options.publicUrl the server's public base URL (known only after listening when the port is chosen at start). */
export function createAuthConfigService(db: Database, vault: Vault, options: { publicUrl: () => string }) {
  function present(row: AuthConfigRow): AuthConfigView {
    return {
      id: row.id,
      toolkit: row.toolkit,
      name: row.name,
      scheme: row.scheme as AuthConfigScheme,
      client_id: row.clientId,
      client_secret_hint: row.clientSecret ? maskSecret(vault.openText(row.clientSecret, sealContext(row.id))) : null,
      scopes: row.scopes,
      allowed_tools: row.allowedTools,
      authorization_url: row.authorizationUrl,
      token_url: row.tokenUrl,
      revocation_url: row.revocationUrl,
      redirect_uri: row.scheme === 'oauth2_authorization_code' ? new URL(oauthCallbackPath, options.publicUrl()).href : null,
      base_url: row.baseUrl,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    };
  }

  const find = (principal: Principal, id: string) => loadAuthConfig(db, principal.projectId, id);

  return {
    async create(principal: Principal, toolkit: ToolkitAuthFacts, input: CreateAuthConfigInput): Promise<AuthConfigView> {
      requireScope(principal, 'manage');
      const scheme = schemeOf(toolkit, input.scheme);
      const isOAuth = scheme.startsWith('oauth2');
      if (!isOAuth && (input.client_id || input.client_secret)) {
        throw new SwitchboardError('VALIDATION_FAILED', `client_id and client_secret belong to OAuth 2 configs, not ${scheme}.`, { field: 'client_id' });
      }
      if (isOAuth && !input.client_id) {
        throw new SwitchboardError('VALIDATION_FAILED', "An OAuth 2 auth config needs your OAuth app's client_id (and usually its client_secret).", {
          field: 'client_id',
        });
      }
      if (scheme === 'oauth2_client_credentials' && !input.client_secret) {
        throw new SwitchboardError('VALIDATION_FAILED', 'The client-credentials grant needs the client_secret.', { field: 'client_secret' });
      }
      checkAllowedTools(toolkit, input.allowed_tools);
      checkEndpoints(scheme, input);
      const oauthScheme = toolkit.auth.find((candidate) => candidate.type === 'oauth2');
      const defaultScopes = isOAuth && oauthScheme?.type === 'oauth2' ? oauthScheme.scopes : [];
      const id = newId('ac');
      const [row] = await db
        .insert(tables.authConfigs)
        .values({
          id,
          projectId: principal.projectId,
          toolkit: toolkit.slug,
          name: input.name ?? `${toolkit.slug} ${scheme}`,
          scheme,
          clientId: input.client_id ?? null,
          clientSecret: input.client_secret ? vault.seal(input.client_secret, sealContext(id)) : null,
          scopes: input.scopes ?? defaultScopes,
          allowedTools: input.allowed_tools ?? null,
          authorizationUrl: input.authorization_url ?? null,
          tokenUrl: input.token_url ?? null,
          revocationUrl: input.revocation_url ?? null,
          baseUrl: input.base_url ?? null,
        })
        .returning();
      return present(row!);
    },

    async list(principal: Principal, query: { toolkit?: string | undefined; limit: number; cursor?: string | undefined }): Promise<Page<AuthConfigView>> {
      requireScope(principal, 'tools:execute');
      const table = tables.authConfigs;
      const rows = await db
        .select()
        .from(table)
        .where(and(eq(table.projectId, principal.projectId), query.toolkit ? eq(table.toolkit, query.toolkit) : undefined, keysetAfter(table, query.cursor)))
        .orderBy(...keysetOrder(table))
        .limit(query.limit + 1);
      return toPage(rows, query.limit, present);
    },

    async get(principal: Principal, id: string): Promise<AuthConfigView> {
      requireScope(principal, 'tools:execute');
      return present(await find(principal, id));
    },

    async update(
      principal: Principal,
      id: string,
      toolkitOf: (slug: string) => Promise<ToolkitAuthFacts>,
      input: UpdateAuthConfigInput,
    ): Promise<AuthConfigView> {
      requireScope(principal, 'manage');
      const existing = await find(principal, id);
      const isOAuth = existing.scheme.startsWith('oauth2');
      if (!isOAuth && (input.client_id || input.client_secret)) {
        throw new SwitchboardError('VALIDATION_FAILED', `client_id and client_secret belong to OAuth 2 configs, not ${existing.scheme}.`, {
          field: 'client_id',
        });
      }
      checkEndpoints(existing.scheme, input);
      if (input.allowed_tools) checkAllowedTools(await toolkitOf(existing.toolkit), input.allowed_tools);
      const [row] = await db
        .update(tables.authConfigs)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.client_id !== undefined ? { clientId: input.client_id } : {}),
          ...(input.client_secret !== undefined ? { clientSecret: vault.seal(input.client_secret, sealContext(id)) } : {}),
          ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
          ...(input.allowed_tools !== undefined ? { allowedTools: input.allowed_tools } : {}),
          ...(input.authorization_url !== undefined ? { authorizationUrl: input.authorization_url } : {}),
          ...(input.token_url !== undefined ? { tokenUrl: input.token_url } : {}),
          ...(input.revocation_url !== undefined ? { revocationUrl: input.revocation_url } : {}),
          ...(input.base_url !== undefined ? { baseUrl: input.base_url } : {}),
          updatedAt: sql`now()`,
        })
        .where(eq(tables.authConfigs.id, id))
        .returning();
      return present(row!);
    },

    async remove(principal: Principal, id: string): Promise<void> {
      requireScope(principal, 'manage');
      await find(principal, id);
      const [inUse] = await db.select({ value: count() }).from(tables.connectedAccounts).where(eq(tables.connectedAccounts.authConfigId, id));
      if ((inUse?.value ?? 0) > 0) {
        throw new SwitchboardError(
          'CONFLICT',
          `Auth config ${id} is used by ${inUse!.value} connected account(s); delete those accounts first (GET /v1/connected-accounts?auth_config_id=${id}).`,
          { auth_config_id: id, connected_accounts: inUse!.value },
        );
      }
      await db.delete(tables.authConfigs).where(eq(tables.authConfigs.id, id));
    },
  };
}

export type AuthConfigService = ReturnType<typeof createAuthConfigService>;
