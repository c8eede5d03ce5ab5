import { z } from 'zod';

/** The meta-tools a session offers, under Switchboard's names. Descriptions are short: they are paid for in every context window. */
export const metaToolNames = [
  'search_tools',
  'get_tool_schemas',
  'manage_connections',
  'wait_for_connections',
  'multi_execute_tool',
  'read_stored_result',
] as const;
export type MetaToolName = (typeof metaToolNames)[number];

export const maxParallelCalls = 50;

/** A character that String.prototype.trim() keeps (its white space and line terminators spelled out). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: tab, line feed and the like are the white space meant
const notOnlyWhiteSpace = /[^\u0009-\u000d\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

export const searchToolsInput = z
  .object({
    queries: z
      .array(
        z
          .object({
            use_case: z
              .string()
              .trim()
              .min(1)
              .max(1024)
              // Published so that the document says what trim() then min(1) mean: some character that is not white space.
              .regex(notOnlyWhiteSpace, 'must hold more than white space')
              .describe('One atomic task in plain English, e.g. "create a branch in a Bitbucket repository".'),
            known_fields: z.string().max(1024).optional().describe('Known values as key:value pairs, e.g. "workspace:acme, repo:widgets".'),
          })
          .strict(),
      )
      .min(1)
      .max(10),
    toolkits: z.array(z.string().max(64)).max(50).optional().describe('Only search these toolkits.'),
    limit: z.number().int().min(1).max(20).default(5).describe('Tools per query.'),
  })
  .strict();

export const getToolSchemasInput = z
  .object({
    tool_slugs: z.array(z.string().min(1).max(200)).min(1).max(50).describe('Exact slugs from search_tools; never invent them.'),
  })
  .strict();

export const manageConnectionsInput = z
  .object({
    toolkits: z.array(z.string().min(1).max(64)).min(1).max(20).describe('Toolkit slugs, as search_tools reports them.'),
    reinitiate_all: z.boolean().default(false).describe('Make new connect links even for toolkits that are connected.'),
  })
  .strict();

export const waitForConnectionsInput = z
  .object({
    toolkits: z.array(z.string().min(1).max(64)).min(1).max(20),
    mode: z.enum(['any', 'all']).default('all').describe('Return when any, or all, of the toolkits are connected.'),
    timeout_seconds: z.number().int().min(1).max(300).default(60),
  })
  .strict();

export const multiExecuteInput = z
  .object({
    tools: z
      .array(z.object({ tool_slug: z.string().min(1).max(200), arguments: z.record(z.string(), z.unknown()).default({}) }).strict())
      .min(1)
      .max(maxParallelCalls, `at most ${maxParallelCalls} calls per multi_execute_tool`),
    thought: z.string().max(1000).optional().describe('Why these calls, in one sentence.'),
  })
  .strict();

export const readStoredResultInput = z
  .object({
    result_id: z.string().min(1).max(64).describe('stored_result_id from an offloaded result.'),
    path: z.string().max(500).optional().describe('Dotted path into the data, e.g. "values.0.name".'),
    offset: z.number().int().min(0).default(0).describe('Character offset into the JSON text.'),
    length: z.number().int().min(1).max(50_000).default(10_000),
  })
  .strict();

const jsonSchema = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
};

export interface MetaToolDescriptor {
  name: MetaToolName;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
}

export const metaTools: Record<MetaToolName, MetaToolDescriptor> = {
  search_tools: {
    name: 'search_tools',
    title: 'Search tools',
    description:
      'Find the tools for a task among every app this session can use. Call first. One query per atomic step; each result has the tool slug, its input schema and whether its app is connected.',
    inputSchema: jsonSchema(searchToolsInput),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  get_tool_schemas: {
    name: 'get_tool_schemas',
    title: 'Get tool schemas',
    description: 'Input schemas of tools by exact slug. Unknown slugs come back in not_found, with similar existing slugs.',
    inputSchema: jsonSchema(getToolSchemasInput),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  manage_connections: {
    name: 'manage_connections',
    title: 'Manage connections',
    description:
      "Connection status of apps for this user; for an app that is not connected, a connect link. Show each redirect_url to the user as a Markdown link, then wait_for_connections. Never run an app's tools before its connection is active.",
    inputSchema: jsonSchema(manageConnectionsInput),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  },
  wait_for_connections: {
    name: 'wait_for_connections',
    title: 'Wait for connections',
    description: 'After showing connect links: waits until the apps are connected (or failed), up to timeout_seconds.',
    inputSchema: jsonSchema(waitForConnectionsInput),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  multi_execute_tool: {
    name: 'multi_execute_tool',
    title: 'Execute tools',
    description: `Runs up to ${maxParallelCalls} independent tool calls in parallel (no call may need another's output). Results come in input order, each with its own data or error.`,
    inputSchema: jsonSchema(multiExecuteInput),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  },
  read_stored_result: {
    name: 'read_stored_result',
    title: 'Read a stored result',
    description: 'Reads part of a large tool result that was stored instead of returned: by path, or by character range.',
    inputSchema: jsonSchema(readStoredResultInput),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
};
