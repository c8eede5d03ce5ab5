import type { ToolDefinition, ToolkitDefinition } from '../catalog/index.js';
import type { ToolDocument } from '../search/index.js';

/** A catalog tool as the search indexes it. */
export function toolDocument(toolkit: ToolkitDefinition, tool: ToolDefinition): ToolDocument {
  return {
    id: tool.slug,
    toolkit: toolkit.slug,
    toolkitName: toolkit.name,
    name: tool.name,
    description: tool.description,
    parameters: Object.keys((tool.input_schema.properties as Record<string, unknown> | undefined) ?? {}),
    tags: tool.tags,
  };
}

export function toolkitDocuments(toolkit: ToolkitDefinition): ToolDocument[] {
  return toolkit.tools.map((tool) => toolDocument(toolkit, tool));
}
