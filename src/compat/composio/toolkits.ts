import { z } from 'zod';
import type { AuthScheme } from '../../auth/index.js';
import type { ToolkitDefinition } from '../../catalog/index.js';
import { unsupportedOption } from './errors.js';
import { listParam } from './pages.js';

export type ToolkitSource = 'builtin' | 'custom';

/** Composio's name for one of a toolkit's schemes. */
export function composioSchemeName(scheme: AuthScheme): string {
  switch (scheme.type) {
    case 'none':
      return 'NO_AUTH';
    case 'api_key':
      return 'API_KEY';
    case 'basic':
      return 'BASIC';
    case 'bearer':
      return 'BEARER_TOKEN';
    case 'oauth2':
      return scheme.grant === 'client_credentials' ? 'S2S_OAUTH2' : 'OAUTH2';
  }
}

const needsNoAuth = (toolkit: ToolkitDefinition) => toolkit.auth.every((scheme) => scheme.type === 'none');

export const toolkitsQuerySchema = z
  .object({
    category: z.string().optional(),
    managed_by: z.enum(['composio', 'all', 'project']).optional(),
    type: z.enum(['native', 'custom', 'all']).optional(),
    sort_by: z.enum(['usage', 'alphabetically']).optional(),
    include_deprecated: z.string().optional(),
    search: z.string().optional(),
    user_id: z.string().optional(),
    limit: z.string().optional(),
    cursor: z.string().optional(),
  })
  .strict();
export type ComposioToolkitsQuery = z.infer<typeof toolkitsQuerySchema>;

/**
 * Composio's toolkit filters over the project's toolkits. Built-in toolkits count as Composio's
 * "native" (managed) ones, the project's own as "custom".
 */
export function filterToolkits<T extends { toolkit: ToolkitDefinition; source: ToolkitSource }>(visible: T[], query: ComposioToolkitsQuery): T[] {
  if (query.sort_by === 'usage') throw unsupportedOption('sort_by=usage', 'Switchboard keeps no usage ranking; use sort_by=alphabetically.');
  const wantedSource =
    query.type === 'native' || query.managed_by === 'composio' ? 'builtin' : query.type === 'custom' || query.managed_by === 'project' ? 'custom' : undefined;
  const categories = listParam(query.category)?.map((category) => category.toLowerCase());
  const terms = (query.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const chosen = visible.filter(({ toolkit, source }) => {
    if (wantedSource && source !== wantedSource) return false;
    if (categories && !toolkit.categories.some((category) => categories.includes(category.toLowerCase()))) return false;
    const text = `${toolkit.slug} ${toolkit.name} ${toolkit.description}`.toLowerCase();
    return terms.every((term) => text.includes(term));
  });
  return query.sort_by === 'alphabetically' ? [...chosen].sort((a, b) => a.toolkit.name.localeCompare(b.toolkit.name)) : chosen;
}

const categoryName = (category: string) => category.replace(/[-_]/g, ' ').replace(/\b\w/g, (letter) => letter.toUpperCase());

function meta(toolkit: ToolkitDefinition) {
  return {
    description: toolkit.description,
    logo: toolkit.logo ?? '',
    ...(toolkit.docs_url ? { app_url: toolkit.docs_url } : {}),
    tools_count: toolkit.tools.length,
    triggers_count: 0,
    version: toolkit.version,
  };
}

/** A toolkit as an item of Composio's toolkit list. */
export function composioToolkitItem(toolkit: ToolkitDefinition, source: ToolkitSource) {
  return {
    slug: toolkit.slug,
    name: toolkit.name,
    type: source === 'builtin' ? ('native' as const) : ('custom' as const),
    is_local_toolkit: false,
    no_auth: needsNoAuth(toolkit),
    auth_schemes: toolkit.auth.map(composioSchemeName),
    composio_managed_auth_schemes: [] as string[],
    meta: { ...meta(toolkit), categories: toolkit.categories.map((category) => ({ id: category, name: categoryName(category) })) },
    deprecated: { toolkitId: toolkit.slug },
  };
}

const fieldOf = (field: { name: string; label: string; description?: string | undefined; secret: boolean; required: boolean }) => ({
  name: field.name,
  displayName: field.label,
  description: field.description ?? field.label,
  type: 'string',
  required: field.required,
  is_secret: field.secret,
  user_visible: true,
});

/** What creating an auth config and connecting an account ask for, per scheme, as Composio describes it. */
function authConfigDetail(scheme: AuthScheme) {
  const oauth = scheme.type === 'oauth2';
  const accountFields = 'fields' in scheme ? scheme.fields.map(fieldOf) : [];
  const clientFields = oauth
    ? [
        fieldOf({ name: 'client_id', label: 'Client ID', description: "Your OAuth app's client ID.", secret: false, required: true }),
        fieldOf({ name: 'client_secret', label: 'Client secret', description: "Your OAuth app's client secret.", secret: true, required: true }),
      ]
    : [];
  return {
    mode: composioSchemeName(scheme),
    name: composioSchemeName(scheme),
    fields: {
      auth_config_creation: { required: clientFields, optional: [] },
      connected_account_initiation: {
        required: accountFields.filter((field) => field.required),
        optional: accountFields.filter((field) => !field.required),
      },
    },
    required_scopes: oauth ? scheme.scopes : [],
    ...(oauth && scheme.authorization_url
      ? { deprecated_auth_provider_details: { authorization_url: scheme.authorization_url, token_url: scheme.token_url } }
      : {}),
  };
}

/** A toolkit in the shape of Composio's retrieve-toolkit response. */
export function composioToolkitDetail(toolkit: ToolkitDefinition, source: ToolkitSource) {
  return {
    slug: toolkit.slug,
    name: toolkit.name,
    type: source === 'builtin' ? ('native' as const) : ('custom' as const),
    enabled: true,
    is_local_toolkit: false,
    no_auth: needsNoAuth(toolkit),
    base_url: toolkit.base_url,
    composio_managed_auth: [] as unknown[],
    composio_managed_auth_schemes: [] as string[],
    auth_config_details: toolkit.auth.map(authConfigDetail),
    meta: {
      ...meta(toolkit),
      available_versions: [toolkit.version],
      categories: toolkit.categories.map((category) => ({ slug: category, name: categoryName(category) })),
    },
    deprecated: { toolkitId: toolkit.slug, rawProxyInfoByAuthSchemes: [] as unknown[] },
  };
}
