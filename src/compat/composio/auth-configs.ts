import { z } from 'zod';
import type { AuthConfigScheme, AuthConfigView, CreateAuthConfigInput, ToolkitAuthFacts } from '../../auth/index.js';
import { SwitchboardError } from '../../errors.js';
import { unsupportedOption } from './errors.js';
import { listParam } from './pages.js';

const composioSchemeOf: Record<AuthConfigScheme, string> = {
  none: 'NO_AUTH',
  api_key: 'API_KEY',
  basic: 'BASIC',
  bearer: 'BEARER_TOKEN',
  oauth2_authorization_code: 'OAUTH2',
  oauth2_client_credentials: 'S2S_OAUTH2',
};
/** Composio's name for an auth config's scheme. */
export const composioAuthScheme = (scheme: AuthConfigScheme): string => composioSchemeOf[scheme];
const ourSchemeOf = Object.fromEntries(Object.entries(composioSchemeOf).map(([ours, theirs]) => [theirs, ours as AuthConfigScheme]));

/** An auth config in the shape of Composio's list items. No auth config is Composio-managed here. */
export function composioAuthConfig(config: AuthConfigView, toolkitLogo: string, connections: number) {
  const oauth = config.scheme.startsWith('oauth2');
  return {
    id: config.id,
    uuid: config.id,
    name: config.name,
    type: 'custom' as const,
    status: 'ENABLED' as const,
    auth_scheme: composioSchemeOf[config.scheme],
    is_composio_managed: false,
    is_enabled_for_tool_router: true,
    toolkit: { slug: config.toolkit, logo: toolkitLogo },
    no_of_connections: connections,
    credentials: oauth
      ? { client_id: config.client_id, scopes: config.scopes, ...(config.client_secret_hint ? { client_secret: config.client_secret_hint } : {}) }
      : {},
    restrict_to_following_tools: config.allowed_tools ?? [],
    tool_access_config: { tools_available_for_execution: config.allowed_tools ?? [], tools_for_connected_account_creation: [] },
    expected_input_fields: [],
    created_at: config.created_at,
    last_updated_at: config.updated_at,
  };
}

export const authConfigsQuerySchema = z
  .object({
    toolkit_slug: z.string().optional(),
    is_composio_managed: z.enum(['true', 'false']).optional(),
    show_disabled: z.string().optional(),
    search: z.string().optional(),
    limit: z.string().optional(),
    cursor: z.string().optional(),
  })
  .strict();
export type ComposioAuthConfigsQuery = z.infer<typeof authConfigsQuerySchema>;

/** Composio's filters that the service's toolkit filter does not cover. */
export function authConfigFilter(query: ComposioAuthConfigsQuery): (config: AuthConfigView) => boolean {
  const terms = (query.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return (config) => query.is_composio_managed !== 'true' && terms.every((term) => `${config.id} ${config.name}`.toLowerCase().includes(term));
}

export const toolkitSlugsOf = (query: ComposioAuthConfigsQuery) => listParam(query.toolkit_slug);

const toolAccess = z.object({ tools_for_connected_account_creation: z.array(z.string()).optional() }).strict();
const common = {
  name: z.string().optional(),
  is_enabled_for_tool_router: z.boolean().optional(),
  restrict_to_following_tools: z.array(z.string()).optional(),
  shared_credentials: z.record(z.string(), z.unknown()).optional(),
  tool_access_config: toolAccess.optional(),
};
const scopesValue = z.union([z.string(), z.array(z.string())]);

/** The body of POST /auth_configs, as the SDKs send it (TS and Python send `authScheme`). */
export const createAuthConfigBodySchema = z
  .object({
    toolkit: z.object({ slug: z.string().min(1) }).strict(),
    auth_config: z
      .discriminatedUnion('type', [
        z
          .object({
            type: z.literal('use_composio_managed_auth'),
            credentials: z.object({ scopes: scopesValue.optional(), user_scopes: scopesValue.optional() }).strict().optional(),
            ...common,
          })
          .strict(),
        z
          .object({
            type: z.literal('use_custom_auth'),
            authScheme: z.string().optional(),
            auth_scheme: z.string().optional(),
            credentials: z.record(z.string(), z.unknown()).optional(),
            proxy_config: z.unknown().optional(),
            ...common,
          })
          .strict(),
      ])
      .optional(),
  })
  .strict();
export type ComposioCreateAuthConfigBody = z.infer<typeof createAuthConfigBodySchema>;

const scopesOf = (value: unknown): string[] | undefined => {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return String(value)
    .split(/[\s,]+/)
    .filter(Boolean);
};

const text = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SwitchboardError('VALIDATION_FAILED', `credentials.${field} must be a string.`, { field: `credentials.${field}` });
  return value;
};

/**
 * Switchboard's auth-config input for Composio's create request. "Composio-managed" auth means
 * Composio's own OAuth apps; Switchboard has none, so it maps only where no OAuth app is needed
 * (a toolkit whose users type in a key or password) and is refused otherwise.
 */
export function toCreateAuthConfigInput(body: ComposioCreateAuthConfigBody, toolkit: ToolkitAuthFacts): CreateAuthConfigInput {
  const options = body.auth_config ?? { type: 'use_composio_managed_auth' as const };
  if (options.shared_credentials !== undefined) {
    throw unsupportedOption('shared_credentials', "each user's credentials are given when they connect their account.");
  }
  if (options.is_enabled_for_tool_router === false) {
    throw unsupportedOption('is_enabled_for_tool_router', 'every auth config can be used by tool-router sessions.');
  }
  if (options.tool_access_config?.tools_for_connected_account_creation?.length) {
    throw unsupportedOption('tool_access_config.tools_for_connected_account_creation', 'pass the OAuth scopes in credentials.scopes.');
  }
  const shared = {
    toolkit: toolkit.slug,
    ...(options.name ? { name: options.name } : {}),
    ...(options.restrict_to_following_tools?.length ? { allowed_tools: options.restrict_to_following_tools } : {}),
  };
  if (options.type === 'use_composio_managed_auth') {
    const typedIn = toolkit.auth.find((scheme) => scheme.type !== 'oauth2');
    if (!typedIn) {
      throw unsupportedOption(
        'auth_config.type=use_composio_managed_auth',
        `Switchboard has no OAuth apps of its own. Register an OAuth app with ${toolkit.name} and pass it: {"type": "use_custom_auth", "auth_scheme": "${toolkit.auth.some((s) => s.type === 'oauth2' && s.grant === 'client_credentials') ? 'S2S_OAUTH2' : 'OAUTH2'}", "credentials": {"client_id": "…", "client_secret": "…"}}.`,
      );
    }
    return { ...shared, scheme: typedIn.type };
  }
  if (options.proxy_config !== undefined && options.proxy_config !== null) {
    throw unsupportedOption('proxy_config', 'Switchboard calls the API itself; set base_url in credentials for another server.');
  }
  const named = options.authScheme ?? options.auth_scheme;
  if (!named)
    throw new SwitchboardError('VALIDATION_FAILED', 'use_custom_auth needs auth_scheme (e.g. "OAUTH2" or "API_KEY").', { field: 'auth_config.authScheme' });
  const scheme = ourSchemeOf[named];
  if (!scheme) {
    throw unsupportedOption(`authScheme=${named}`, `Switchboard supports ${Object.keys(ourSchemeOf).join(', ')}.`);
  }
  const { client_id, client_secret, scopes, base_url, ...rest } = options.credentials ?? {};
  const extra = Object.keys(rest)[0];
  if (extra) {
    throw unsupportedOption(
      `credentials.${extra}`,
      scheme.startsWith('oauth2')
        ? 'an OAuth auth config takes client_id, client_secret, scopes and base_url.'
        : `a ${named} auth config holds no credentials: each user types theirs in when connecting (connected_accounts.link).`,
    );
  }
  const clientId = text(client_id, 'client_id');
  const clientSecret = text(client_secret, 'client_secret');
  const baseUrl = text(base_url, 'base_url');
  const scopeList = scopesOf(scopes);
  return {
    ...shared,
    scheme,
    ...(clientId ? { client_id: clientId } : {}),
    ...(clientSecret ? { client_secret: clientSecret } : {}),
    ...(scopeList ? { scopes: scopeList } : {}),
    ...(baseUrl ? { base_url: baseUrl } : {}),
  };
}

export function composioCreatedAuthConfig(config: AuthConfigView) {
  return {
    toolkit: { slug: config.toolkit },
    auth_config: {
      id: config.id,
      auth_scheme: composioSchemeOf[config.scheme],
      is_composio_managed: false,
      restrict_to_following_tools: config.allowed_tools ?? [],
    },
  };
}
