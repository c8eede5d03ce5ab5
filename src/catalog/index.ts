export { builtinToolkitsDir, loadToolkitsFrom, parseToolkitFile } from './builtin.js';
export {
  type RequestMapping,
  type ResponseMapping,
  type ToolDefinition,
  type ToolkitDefinition,
  toolDefinitionSchema,
  toolkitDefinitionSchema,
  toolkitJsonSchema,
  toolkitSlugSchema,
  toolSlugSchema,
} from './definition.js';
export { type Catalog, createCatalog, type ResolvedTool, type ToolQuery } from './registry.js';
export { presentTool, presentToolkit, type ToolkitView, type ToolView, toolkitViewSchema, toolViewSchema } from './views.js';
