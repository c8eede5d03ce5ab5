import { z } from 'zod';
import { toolkitSlugSchema, toolSlugSchema } from '../catalog/index.js';
import { userIdSchema } from '../tenancy/index.js';

/** Tags a session can filter tools by: the MCP annotation hints, or a tool's own tags. */
/** The meta-tool namings a session can use; `composio` is served by the compatibility module's dialect. */
export const metaToolNamings = ['switchboard', 'composio'] as const;
export type MetaToolNaming = (typeof metaToolNamings)[number];

const tagSchema = z.string().min(1).max(64);
const slugList = <T extends z.ZodType>(item: T) => z.array(item).max(1000);

/** `[a, b]` (allow-list), `{enable: [...]}` or `{disable: [...]}`. */
const listPolicySchema = <T extends z.ZodType>(item: T) =>
  z.union([slugList(item), z.object({ enable: slugList(item) }).strict(), z.object({ disable: slugList(item) }).strict()]);

const tagPolicySchema = z.union([slugList(tagSchema), z.object({ enable: slugList(tagSchema).optional(), disable: slugList(tagSchema).optional() }).strict()]);

export const createSessionSchema = z
  .object({
    user_id: userIdSchema.optional().describe('The end user the session acts for; a user-bound key may leave it out.'),
    toolkits: listPolicySchema(toolkitSlugSchema).optional().describe('Toolkits the session may use: a list (allow), {enable} or {disable}. Default: all.'),
    tools: z
      .record(toolkitSlugSchema, z.union([listPolicySchema(toolSlugSchema), z.object({ tags: tagPolicySchema }).strict()]))
      .optional()
      .describe('Per toolkit: tools to enable or disable, or tags its tools must (not) have.'),
    tags: tagPolicySchema
      .optional()
      .describe('Tags (readOnlyHint, destructiveHint, idempotentHint, openWorldHint, or tool tags) tools must have (enable) or not have (disable).'),
    auth_configs: z.record(toolkitSlugSchema, z.string().max(64)).optional().describe('Auth config per toolkit, for new connections.'),
    connected_accounts: z
      .record(toolkitSlugSchema, z.union([z.string().max(64), z.array(z.string().max(64)).length(1)]))
      .optional()
      .describe('Connected account per toolkit that tool calls use.'),
    manage_connections: z
      .union([
        z.boolean(),
        z
          .object({
            enable: z.boolean().default(true),
            callback_url: z
              .url({ protocol: /^https?$/ })
              .max(2000)
              .optional(),
            wait_for_connections: z.boolean().optional(),
          })
          .strict(),
      ])
      .optional()
      .describe('Offer manage_connections (connect links) and wait_for_connections; default on.'),
    mode: z
      .enum(['meta', 'direct'])
      .default('meta')
      .describe('meta: tools/list shows the meta-tools (search, schemas, connections, multi-execute); direct: it shows the allowed tools themselves.'),
    preload: z
      .object({ tools: z.union([slugList(toolSlugSchema), z.literal('all')]) })
      .strict()
      .optional()
      .describe('In meta mode, also list these allowed tools directly (keep it small).'),
    read_only: z.boolean().optional().describe('Only tools annotated readOnlyHint may run.'),
    workbench: z
      .object({ auto_offload_threshold: z.number().int().positive().max(10_000_000) })
      .strict()
      .optional(),
    meta_tool_names: z
      .enum(metaToolNamings)
      .optional()
      .describe('Names (and result shapes) of the meta-tools: switchboard (search_tools, …, the default) or composio (COMPOSIO_SEARCH_TOOLS, …).'),
    expires_in: z.number().int().min(60).max(31_536_000).optional().describe('Seconds until the session ends; default: it does not expire.'),
  })
  .strict();
export type CreateSessionInput = z.input<typeof createSessionSchema>;

export const updateSessionSchema = createSessionSchema
  .omit({ user_id: true, expires_in: true })
  .partial()
  .extend({
    // No defaults on update: a block left out keeps its stored value.
    mode: z.enum(['meta', 'direct']).optional(),
    meta_tool_names: z.enum(metaToolNamings).optional(),
    expected_version: z.number().int().min(1).optional().describe('The version you read; a different current version is a 409.'),
  })
  .strict();
export type UpdateSessionInput = z.input<typeof updateSessionSchema>;

type ListPolicy = { enabled: string[] } | { disabled: string[] };

/** A session's stored policy: normalised (`enabled`/`disabled` lists, one account per toolkit). */
export interface SessionConfig {
  toolkits: ListPolicy | null;
  tools: Record<string, ListPolicy | { tags: { enabled: string[]; disabled: string[] } }>;
  tags: { enabled: string[]; disabled: string[] };
  auth_configs: Record<string, string>;
  connected_accounts: Record<string, string>;
  manage_connections: { enabled: boolean; callback_url: string | null; wait_for_connections: boolean };
  mode: 'meta' | 'direct';
  preload: string[] | 'all';
  read_only: boolean;
  workbench: { auto_offload_threshold: number | null };
  /** Left out by sessions stored before namings existed: they use Switchboard's. */
  meta_tool_names?: MetaToolNaming;
}

function listPolicy(input: string[] | { enable: string[] } | { disable: string[] }): ListPolicy {
  if (Array.isArray(input)) return { enabled: [...new Set(input)] };
  return 'enable' in input ? { enabled: [...new Set(input.enable)] } : { disabled: [...new Set(input.disable)] };
}

function tagPolicy(input: z.infer<typeof tagPolicySchema> | undefined): { enabled: string[]; disabled: string[] } {
  if (!input) return { enabled: [], disabled: [] };
  if (Array.isArray(input)) return { enabled: [...new Set(input)], disabled: [] };
  return { enabled: [...new Set(input.enable ?? [])], disabled: [...new Set(input.disable ?? [])] };
}

type ParsedCreate = z.output<typeof createSessionSchema>;

/** Builds the stored config from a create request, or applies an update's blocks to a stored one (`null` clears a block). */
export function normaliseConfig(input: Partial<Omit<ParsedCreate, 'user_id' | 'expires_in'>>, base?: SessionConfig): SessionConfig {
  const manage = input.manage_connections;
  return {
    toolkits: input.toolkits !== undefined ? listPolicy(input.toolkits) : (base?.toolkits ?? null),
    tools:
      input.tools !== undefined
        ? Object.fromEntries(
            Object.entries(input.tools).map(([toolkit, value]) => [toolkit, 'tags' in value ? { tags: tagPolicy(value.tags) } : listPolicy(value)]),
          )
        : (base?.tools ?? {}),
    tags: input.tags !== undefined ? tagPolicy(input.tags) : (base?.tags ?? { enabled: [], disabled: [] }),
    auth_configs: input.auth_configs ?? base?.auth_configs ?? {},
    connected_accounts:
      input.connected_accounts !== undefined
        ? Object.fromEntries(Object.entries(input.connected_accounts).map(([toolkit, id]) => [toolkit, Array.isArray(id) ? id[0]! : id]))
        : (base?.connected_accounts ?? {}),
    manage_connections:
      manage === undefined
        ? (base?.manage_connections ?? { enabled: true, callback_url: null, wait_for_connections: true })
        : typeof manage === 'boolean'
          ? { enabled: manage, callback_url: null, wait_for_connections: manage }
          : { enabled: manage.enable, callback_url: manage.callback_url ?? null, wait_for_connections: manage.wait_for_connections ?? manage.enable },
    mode: input.mode ?? base?.mode ?? 'meta',
    preload: input.preload ? input.preload.tools : (base?.preload ?? []),
    read_only: input.read_only ?? base?.read_only ?? false,
    workbench: { auto_offload_threshold: input.workbench?.auto_offload_threshold ?? base?.workbench.auto_offload_threshold ?? null },
    meta_tool_names: input.meta_tool_names ?? base?.meta_tool_names ?? 'switchboard',
  };
}

export const sessionConfigSchema = z
  .object({
    toolkits: z.union([z.object({ enabled: z.array(z.string()) }), z.object({ disabled: z.array(z.string()) })]).nullable(),
    tools: z.record(z.string(), z.unknown()),
    tags: z.object({ enabled: z.array(z.string()), disabled: z.array(z.string()) }),
    auth_configs: z.record(z.string(), z.string()),
    connected_accounts: z.record(z.string(), z.string()),
    manage_connections: z.object({ enabled: z.boolean(), callback_url: z.string().nullable(), wait_for_connections: z.boolean() }),
    mode: z.enum(['meta', 'direct']),
    preload: z.union([z.array(z.string()), z.literal('all')]),
    read_only: z.boolean(),
    workbench: z.object({ auto_offload_threshold: z.number().nullable() }),
    meta_tool_names: z.enum(metaToolNamings).optional(),
  })
  .meta({ id: 'SessionConfig' });
