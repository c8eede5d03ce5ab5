import { z } from 'zod';
import type { ConnectLinkView } from '../../auth/index.js';
import type { ExecutionResult } from '../../execution/index.js';
import type { CreateSessionInput, SessionConfig, SessionView, ToolkitConnectionState, UpdateSessionInput } from '../../router/index.js';
import { unsupportedOption } from './errors.js';

const slugs = z.array(z.string()).max(1000);
const listPolicy = z.union([
  slugs,
  z.object({ enable: slugs, require_approval: slugs.optional() }),
  z.object({ disable: slugs, require_approval: slugs.optional() }),
]);
const tagPolicy = z.union([slugs, z.object({ enable: slugs.optional(), disable: slugs.optional(), require_approval: slugs.optional() })]);

/** The body of Composio's create-session call, as its SDKs send it. Unknown options are refused by name. */
export const composioSessionBodySchema = z
  .object({
    user_id: z.string().optional(),
    toolkits: listPolicy.optional(),
    tools: z.record(z.string(), z.union([listPolicy, z.object({ tags: tagPolicy })])).optional(),
    tags: tagPolicy.optional(),
    auth_configs: z.record(z.string(), z.string()).optional(),
    connected_accounts: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    manage_connections: z
      .union([
        z.boolean(),
        z.object({
          enable: z.boolean().nullish(),
          callback_url: z.string().optional(),
          enable_wait_for_connections: z.boolean().nullish(),
          enable_connection_removal: z.boolean().nullish(),
        }),
      ])
      .optional(),
    preload: z.object({ tools: z.union([slugs, z.literal('all')]) }).optional(),
    workbench: z
      .object({
        enable: z.boolean().optional(),
        auto_offload_threshold: z.number().optional(),
        enable_proxy_execution: z.boolean().optional(),
        sandbox_size: z.string().optional(),
      })
      .optional(),
    search: z.object({ enable: z.boolean().optional() }).optional(),
    execute: z.object({ enable_multi_execute: z.boolean().optional() }).optional(),
    multi_account: z.object({ enable: z.boolean().optional() }).passthrough().optional(),
    instant: z.unknown().optional(),
    proxy_execute: z.unknown().optional(),
    hooks: z.unknown().optional(),
    experimental: z.record(z.string(), z.unknown()).optional(),
    config_version: z.number().int().optional(),
  })
  .strict();
export type ComposioSessionBody = z.infer<typeof composioSessionBodySchema>;

function refuseUnsupported(body: ComposioSessionBody): void {
  if (body.instant !== undefined && body.instant !== false) throw unsupportedOption('instant', 'instant (pay-per-use) accounts are a Composio service.');
  if (body.proxy_execute !== undefined) throw unsupportedOption('proxy_execute', 'use the tools of a toolkit, or import its OpenAPI description.');
  if (body.hooks !== undefined) throw unsupportedOption('hooks', 'session hooks are not implemented.');
  if (body.multi_account?.enable)
    throw unsupportedOption('multi_account', 'a session uses one connected account per toolkit (pin it with connected_accounts).');
  if (body.workbench?.enable_proxy_execution || body.workbench?.sandbox_size) {
    throw unsupportedOption('workbench', 'there is no remote code sandbox; large results are stored and read with SWITCHBOARD_READ_STORED_RESULT.');
  }
  for (const key of Object.keys(body.experimental ?? {})) {
    if (key !== 'assistive_prompt_config' && key !== 'no_elicitation_support_fallback') {
      throw unsupportedOption(`experimental.${key}`, 'custom (in-process) tools are not implemented; import an OpenAPI description instead.');
    }
  }
  for (const [toolkit, ids] of Object.entries(body.connected_accounts ?? {})) {
    if (Array.isArray(ids) && ids.length !== 1) throw unsupportedOption(`connected_accounts.${toolkit}`, 'give exactly one account per toolkit.');
  }
}

const withoutApproval = <T extends object>(policy: T | string[]) => {
  if (Array.isArray(policy)) return policy;
  const { require_approval: _ignored, ...rest } = policy as T & { require_approval?: unknown };
  return rest as unknown as { enable: string[] } | { disable: string[] };
};

function tagsInput(policy: z.infer<typeof tagPolicy>) {
  if (Array.isArray(policy)) return policy;
  return { ...(policy.enable ? { enable: policy.enable } : {}), ...(policy.disable ? { disable: policy.disable } : {}) };
}

/** Composio's session options as Switchboard's (shared by create and update). */
function policyInput(body: ComposioSessionBody): Omit<CreateSessionInput, 'user_id'> {
  refuseUnsupported(body);
  const manage = body.manage_connections;
  const direct = body.search?.enable === false;
  return {
    meta_tool_names: 'composio',
    ...(body.toolkits ? { toolkits: withoutApproval(body.toolkits) } : {}),
    ...(body.tools
      ? {
          tools: Object.fromEntries(
            Object.entries(body.tools).map(([toolkit, policy]) => [
              toolkit,
              !Array.isArray(policy) && 'tags' in policy ? { tags: tagsInput(policy.tags) } : withoutApproval(policy),
            ]),
          ),
        }
      : {}),
    ...(body.tags ? { tags: tagsInput(body.tags) } : {}),
    ...(body.auth_configs ? { auth_configs: body.auth_configs } : {}),
    ...(body.connected_accounts
      ? {
          connected_accounts: Object.fromEntries(
            Object.entries(body.connected_accounts).map(([toolkit, ids]) => [toolkit, Array.isArray(ids) ? ids[0]! : ids]),
          ),
        }
      : {}),
    ...(manage === undefined
      ? {}
      : typeof manage === 'boolean'
        ? { manage_connections: manage }
        : {
            manage_connections: {
              enable: manage.enable ?? true,
              ...(manage.callback_url ? { callback_url: manage.callback_url } : {}),
              ...(manage.enable_wait_for_connections != null ? { wait_for_connections: manage.enable_wait_for_connections } : {}),
            },
          }),
    ...(body.preload ? { preload: body.preload } : {}),
    ...(body.workbench?.auto_offload_threshold ? { workbench: { auto_offload_threshold: Math.round(body.workbench.auto_offload_threshold) } } : {}),
    ...(direct ? { mode: 'direct' as const } : {}),
  };
}

export function toCreateSessionInput(body: ComposioSessionBody): CreateSessionInput {
  return { ...(body.user_id ? { user_id: body.user_id } : {}), ...policyInput(body) };
}

export function toUpdateSessionInput(body: ComposioSessionBody): UpdateSessionInput {
  const { user_id: _user, ...rest } = toCreateSessionInput(body);
  return { ...rest, ...(body.config_version !== undefined ? { expected_version: body.config_version } : {}) };
}

function storedPolicy(policy: { enabled: string[] } | { disabled: string[] }) {
  return 'enabled' in policy ? { enabled: policy.enabled } : { disabled: policy.disabled };
}

/** A session in the shape of Composio's create/retrieve responses. */
export function composioSession(view: SessionView) {
  const config = view.config as SessionConfig;
  return {
    session_id: view.session_id,
    mcp: { type: 'http' as const, url: view.mcp.url },
    tool_router_tools: view.tools,
    config: {
      user_id: view.user_id,
      ...(config.toolkits ? { toolkits: storedPolicy(config.toolkits) } : {}),
      tools: config.tools,
      tags: config.tags,
      auth_configs: config.auth_configs,
      connected_accounts: Object.fromEntries(Object.entries(config.connected_accounts).map(([toolkit, id]) => [toolkit, [id]])),
      manage_connections: {
        enabled: config.manage_connections.enabled,
        enable_wait_for_connections: config.manage_connections.wait_for_connections,
        ...(config.manage_connections.callback_url ? { callback_url: config.manage_connections.callback_url } : {}),
      },
      preload: { tools: config.preload },
      search: { enable: config.mode === 'meta' },
      execute: { enable_multi_execute: config.mode === 'meta' },
      workbench: { enable: false, auto_offload_threshold: config.workbench.auto_offload_threshold },
      instant: false,
    },
    config_version: view.version,
    experimental: {},
    created_at: view.created_at,
    expires_at: view.expires_at,
  };
}

/** A tool result in the shape of Composio's execute responses. */
export function composioExecution(result: ExecutionResult) {
  return {
    data: result.data && typeof result.data === 'object' && !Array.isArray(result.data) ? result.data : { value: result.data ?? null },
    error: result.error,
    log_id: result.log_id,
    result_type: result.successful ? ('completed' as const) : ('failed' as const),
    successful: result.successful,
  };
}

export function composioLink(link: ConnectLinkView) {
  return { link_token: link.link_token, redirect_url: link.redirect_url, connected_account_id: link.connected_account_id, expires_at: link.expires_at };
}

/** The session's toolkits with the user's connection, as Composio lists them. */
export function composioToolkits(items: (ToolkitConnectionState & { description: string; tools_count: number })[], userId: string) {
  return {
    items: items.map((item) => ({
      slug: item.toolkit,
      name: item.name,
      enabled: true,
      is_no_auth: !item.needs_connection,
      composio_managed_auth_schemes: [],
      meta: { description: item.description, logo: '', tools_count: item.tools_count },
      connected_account: item.connected_account_id
        ? {
            id: item.connected_account_id,
            status: item.status ?? 'INITIATED',
            user_id: userId,
            created_at: item.account_created_at,
            // Switchboard never holds Composio-managed credentials: every auth config is the project's own.
            auth_config: { id: item.auth_config_id ?? '', auth_scheme: (item.auth_scheme ?? '').toUpperCase(), is_composio_managed: false },
          }
        : null,
    })),
    next_cursor: null,
    total_items: items.length,
    total_pages: 1,
    current_page: 1,
  };
}
