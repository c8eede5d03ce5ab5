import { z } from 'zod';
import { authSchemeSchema } from '../auth/index.js';

/**
 * The toolkit definition format: data, not code. A toolkit names an HTTP API, how to authenticate
 * against it, and its tools; each tool maps validated arguments onto one HTTP request and the
 * response back onto the data an agent sees. The repository publishes this schema as
 * `schemas/toolkit.schema.json` (generated from this file).
 *
 * Value templates (request query/headers/body, response output) are JSON values in which a string
 * of the form `$name` or `$name.path` is replaced by that value; a template whose value is absent
 * is dropped (and so is an object left empty by drops). Literal strings starting with `$` are
 * written `$$…`. Request templates see the tool's arguments (`$workspace`) and the connection's
 * non-secret and secret fields under `$connection.<field>` (for credentials a scheme does not place
 * by itself); response templates see `$body`, `$args`, `$status`, `$headers` and `$size`.
 */

export const toolkitSlugSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,47}$/, 'lowercase letters, digits and underscores, starting with a letter (2-48 characters)');

export const toolSlugSchema = z.string().regex(/^[A-Z][A-Z0-9_]{2,63}$/, 'upper-case TOOLKIT_ACTION, at most 64 characters (MCP tool-name limit)');

// Recursive, so it needs a name of its own: the OpenAPI document refers to it as a component.
const valueTemplateSchema: z.ZodType<unknown> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(valueTemplateSchema), z.record(z.string(), valueTemplateSchema)]))
  .meta({ id: 'ToolkitValueTemplate', description: 'A JSON value whose strings may hold `{arg}` / `$body…` templates.' });

const jsonSchemaObject = z
  .record(z.string(), z.unknown())
  .refine((schema) => schema.type === 'object', 'must be a JSON Schema with "type": "object"')
  .describe('JSON Schema (draft 2020-12 or draft-07) of the tool arguments; must describe an object.');

export const toolAnnotationsSchema = z
  .object({
    readOnlyHint: z.boolean().default(false),
    destructiveHint: z.boolean().default(false),
    idempotentHint: z.boolean().default(false),
    openWorldHint: z.boolean().default(true),
  })
  .strict();

export const requestMappingSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    server: z.string().optional().describe('Name of a toolkit server to use instead of base_url.'),
    path: z.string().regex(/^\//, 'starts with /').describe('Path below base_url. `{arg}` is one URL-encoded segment; `{+arg}` keeps slashes (file paths).'),
    path_variants: z
      .array(z.object({ when: z.array(z.string()).min(1), path: z.string().regex(/^\//, 'starts with /') }).strict())
      .optional()
      .describe('Alternative paths, the first whose `when` arguments are all present wins.'),
    query: z.record(z.string(), valueTemplateSchema).optional().describe('Arrays repeat the parameter.'),
    headers: z.record(z.string(), valueTemplateSchema).optional(),
    body: valueTemplateSchema.optional().describe('JSON body template.'),
  })
  .strict();
export type RequestMapping = z.infer<typeof requestMappingSchema>;

export const responseMappingSchema = z
  .object({
    output: valueTemplateSchema.optional().describe('Template of `data`; default `$body`.'),
    binary: z.enum(['text', 'base64']).default('text').describe('How a non-JSON body becomes `$body`.'),
    pagination: z
      .object({ style: z.enum(['link', 'offset', 'page']), next: z.string().optional().describe('Template yielding the next page link or offset.') })
      .strict()
      .optional(),
  })
  .strict();
export type ResponseMapping = z.infer<typeof responseMappingSchema>;

export const toolDefinitionSchema = z
  .object({
    slug: toolSlugSchema,
    name: z.string().min(1).max(120),
    description: z.string().min(10).max(4000),
    tags: z.array(z.string()).default([]),
    annotations: toolAnnotationsSchema.default({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }),
    scopes: z.array(z.string()).default([]).describe('Upstream OAuth scopes the call needs.'),
    secret_arguments: z.array(z.string()).default([]).describe('Arguments never written to audit rows or logs (passwords, tokens).'),
    input_schema: jsonSchemaObject,
    output_schema: z.record(z.string(), z.unknown()).optional(),
    request: requestMappingSchema,
    response: responseMappingSchema.default({ binary: 'text' }),
  })
  .strict();
export type ToolDefinition = z.infer<typeof toolDefinitionSchema>;

export const toolkitDefinitionSchema = z
  .object({
    slug: toolkitSlugSchema,
    name: z.string().min(1).max(120),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'semantic version, e.g. 1.0.0'),
    description: z.string().min(10),
    categories: z.array(z.string()).default([]),
    logo: z.url().optional(),
    docs_url: z.url().optional(),
    base_url: z.string().min(1).describe('May hold `{variable}` parts filled from the connection (api_key in path).'),
    servers: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string().min(1))
      .optional()
      .describe('Further named base URLs (same `{variable}` rules) that a tool can pick with request.server.'),
    auth: z.array(authSchemeSchema).min(1),
    default_headers: z.record(z.string(), z.string()).optional(),
    tools: z.array(toolDefinitionSchema).min(1),
  })
  .strict()
  .superRefine((toolkit, context) => {
    toolkit.tools.forEach((tool, index) => {
      if (tool.request.server && !toolkit.servers?.[tool.request.server]) {
        context.addIssue({ code: 'custom', path: ['tools', index, 'request', 'server'], message: `no server named ${tool.request.server}` });
      }
    });
    const prefix = `${toolkit.slug.toUpperCase()}_`;
    const seen = new Set<string>();
    toolkit.tools.forEach((tool, index) => {
      if (!tool.slug.startsWith(prefix)) {
        context.addIssue({ code: 'custom', path: ['tools', index, 'slug'], message: `tool slugs of this toolkit start with ${prefix}` });
      }
      if (seen.has(tool.slug)) context.addIssue({ code: 'custom', path: ['tools', index, 'slug'], message: `duplicate tool ${tool.slug}` });
      seen.add(tool.slug);
      const pathArguments = [...tool.request.path.matchAll(/\{\+?([a-z_][a-z0-9_]*)\}/gi)].map((match) => match[1]!);
      const properties = Object.keys((tool.input_schema.properties as Record<string, unknown> | undefined) ?? {});
      for (const argument of pathArguments) {
        if (!properties.includes(argument)) {
          context.addIssue({ code: 'custom', path: ['tools', index, 'request', 'path'], message: `path uses {${argument}}, which is not an input property` });
        }
      }
    });
  });
export type ToolkitDefinition = z.infer<typeof toolkitDefinitionSchema>;

/** The format as a published JSON Schema (draft 2020-12), for editors and other tools. */
export function toolkitJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://switchboard.dev/schemas/toolkit.schema.json',
    title: 'Switchboard toolkit definition',
    ...z.toJSONSchema(toolkitDefinitionSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
  };
}
