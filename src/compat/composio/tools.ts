import { z } from 'zod';
import type { ToolDefinition, ToolkitDefinition } from '../../catalog/index.js';
import { SwitchboardError } from '../../errors.js';
import type { ExecutionResult } from '../../execution/index.js';
import { unsupportedOption } from './errors.js';

/** A tool in Composio's Tool shape (list and retrieve). Switchboard keeps one version per toolkit. */
export function composioTool(toolkit: ToolkitDefinition, tool: ToolDefinition) {
  const logo = toolkit.logo ?? '';
  return {
    slug: tool.slug,
    name: tool.name,
    description: tool.description,
    input_parameters: tool.input_schema,
    output_parameters: tool.output_schema ?? {},
    toolkit: { slug: toolkit.slug, name: toolkit.name, logo },
    tags: tool.tags,
    scopes: tool.scopes,
    no_auth: toolkit.auth.every((scheme) => scheme.type === 'none'),
    version: toolkit.version,
    available_versions: [toolkit.version],
    is_deprecated: false,
    deprecated: { is_deprecated: false, available_versions: [toolkit.version], displayName: tool.name, version: toolkit.version, toolkit: { logo } },
  };
}

/**
 * GET /tools as the SDKs call it: `toolkit_slug` (comma-joined), `tool_slugs`, `query` (or the
 * older `search`), `tags`, `toolkit_versions`, `limit`, `cursor`. Bracketed per-toolkit versions
 * (`toolkit_versions[github]=…`) are extra keys, so the schema lets them through.
 */
export const toolsQuerySchema = z
  .object({
    toolkit_slug: z.string().optional(),
    tool_slugs: z.string().optional(),
    query: z.string().optional(),
    search: z.string().optional(),
    tags: z.union([z.string(), z.array(z.string())]).optional(),
    important: z.enum(['true', 'false']).optional(),
    include_deprecated: z.string().optional(),
    include_pricing: z.string().optional(),
    toolkit_versions: z.string().optional(),
    scopes: z.union([z.string(), z.array(z.string())]).optional(),
    auth_config_ids: z.union([z.string(), z.array(z.string())]).optional(),
    limit: z.string().optional(),
    cursor: z.string().optional(),
  })
  .catchall(z.string());
export type ComposioToolsQuery = z.infer<typeof toolsQuerySchema>;

export const toolQuerySchema = z
  .object({ version: z.string().optional(), toolkit_versions: z.string().optional(), include_pricing: z.string().optional() })
  .catchall(z.string());

/** Refuses the list filters Switchboard has no counterpart for (the SDKs send none of them by default). */
export function refuseUnsupportedToolFilters(query: ComposioToolsQuery): void {
  if (query.scopes !== undefined) throw unsupportedOption('scopes', 'filter by toolkit_slug, tool_slugs, query or tags.');
  if (query.auth_config_ids !== undefined)
    throw unsupportedOption('auth_config_ids', 'filter by toolkit_slug (an auth config allow-list applies when a tool runs).');
  for (const key of Object.keys(query)) {
    if (!(key in toolsQuerySchema.shape) && !/^toolkit_versions\[[^\]]+\]$/.test(key)) throw unsupportedOption(key, 'it is not a filter of GET /tools.');
  }
}

/**
 * The version a request asks of a toolkit: Switchboard serves only the current one, so "latest"
 * or that exact version is accepted and any other is refused rather than silently substituted.
 */
export function checkToolkitVersion(toolkit: ToolkitDefinition, query: Record<string, unknown>, field = 'toolkit_versions'): void {
  const specific = query[`toolkit_versions[${toolkit.slug}]`];
  const asked = typeof specific === 'string' ? specific : typeof query[field] === 'string' ? (query[field] as string) : undefined;
  if (asked === undefined || asked === 'latest' || asked === toolkit.version) return;
  throw new SwitchboardError(
    'VALIDATION_FAILED',
    `${toolkit.slug} version ${asked} is not available: Switchboard serves ${toolkit.version} (pass "latest" or "${toolkit.version}").`,
    { field, toolkit: toolkit.slug, available_versions: [toolkit.version] },
  );
}

/** The body of POST /tools/execute/{tool_slug}. */
export const toolExecuteBodySchema = z
  .object({
    user_id: z.string().optional(),
    entity_id: z.string().optional(),
    connected_account_id: z.string().max(64).optional(),
    version: z.string().optional(),
    arguments: z.record(z.string(), z.unknown()).optional(),
    text: z.string().optional(),
    custom_auth_params: z.unknown().optional(),
    custom_connection_data: z.unknown().optional(),
    allow_tracing: z.boolean().nullish(),
  })
  .strict();
export type ComposioToolExecuteBody = z.infer<typeof toolExecuteBodySchema>;

/** Switchboard's execute request for a Composio one; credentials always come from a connected account. */
export function toExecuteRequest(slug: string, body: ComposioToolExecuteBody) {
  if (body.text !== undefined) throw unsupportedOption('text', 'tools run with JSON arguments only; pass arguments.');
  if (body.custom_auth_params !== undefined || body.custom_connection_data !== undefined) {
    throw unsupportedOption(
      body.custom_auth_params !== undefined ? 'custom_auth_params' : 'custom_connection_data',
      'credentials are never passed with a call; connect an account (connected_accounts.link) and pass connected_account_id or user_id.',
    );
  }
  if (body.user_id && body.entity_id && body.user_id !== body.entity_id) {
    throw new SwitchboardError('VALIDATION_FAILED', 'user_id and entity_id name different users; pass user_id only.', { field: 'entity_id' });
  }
  const userId = body.user_id ?? body.entity_id;
  return {
    tool_slug: slug,
    arguments: body.arguments ?? {},
    ...(userId ? { user_id: userId } : {}),
    ...(body.connected_account_id ? { connected_account_id: body.connected_account_id } : {}),
  };
}

/** A tool result as Composio's execute response (`data` is always an object there). */
export function composioToolResult(result: ExecutionResult) {
  return {
    data: result.data && typeof result.data === 'object' && !Array.isArray(result.data) ? result.data : { value: result.data ?? null },
    error: result.error,
    successful: result.successful,
    log_id: result.log_id,
    session_info: null,
  };
}
