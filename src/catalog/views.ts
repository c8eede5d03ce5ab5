import { z } from 'zod';
import type { ToolDefinition, ToolkitDefinition } from './definition.js';

export const toolkitViewSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    version: z.string(),
    description: z.string(),
    categories: z.array(z.string()),
    logo: z.string().nullable(),
    docs_url: z.string().nullable(),
    source: z.enum(['builtin', 'custom']),
    auth_schemes: z.array(
      z.object({
        type: z.string(),
        fields: z.array(z.object({ name: z.string(), label: z.string(), description: z.string().optional(), secret: z.boolean(), required: z.boolean() })),
        scopes: z.array(z.string()).optional(),
      }),
    ),
    tools_count: z.number().int(),
  })
  .meta({ id: 'Toolkit' });
export type ToolkitView = z.infer<typeof toolkitViewSchema>;

export const toolViewSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    toolkit: z.object({ slug: z.string(), name: z.string(), version: z.string() }),
    tags: z.array(z.string()),
    annotations: z.object({ readOnlyHint: z.boolean(), destructiveHint: z.boolean(), idempotentHint: z.boolean(), openWorldHint: z.boolean() }),
    scopes: z.array(z.string()),
    input_schema: z.record(z.string(), z.unknown()),
    output_schema: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'Tool' });
export type ToolView = z.infer<typeof toolViewSchema>;

export function presentToolkit(toolkit: ToolkitDefinition, source: 'builtin' | 'custom'): ToolkitView {
  return {
    slug: toolkit.slug,
    name: toolkit.name,
    version: toolkit.version,
    description: toolkit.description,
    categories: toolkit.categories,
    logo: toolkit.logo ?? null,
    docs_url: toolkit.docs_url ?? null,
    source,
    auth_schemes: toolkit.auth.map((scheme) => ({
      type: scheme.type,
      fields:
        'fields' in scheme
          ? scheme.fields.map((field) => ({
              name: field.name,
              label: field.label,
              ...(field.description ? { description: field.description } : {}),
              secret: field.secret,
              required: field.required,
            }))
          : [],
      ...(scheme.type === 'oauth2' ? { scopes: scheme.scopes } : {}),
    })),
    tools_count: toolkit.tools.length,
  };
}

export function presentTool(toolkit: ToolkitDefinition, tool: ToolDefinition): ToolView {
  return {
    slug: tool.slug,
    name: tool.name,
    description: tool.description,
    toolkit: { slug: toolkit.slug, name: toolkit.name, version: toolkit.version },
    tags: tool.tags,
    annotations: tool.annotations,
    scopes: tool.scopes,
    input_schema: tool.input_schema,
    output_schema: tool.output_schema ?? null,
  };
}
