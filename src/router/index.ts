export {
  type CreateSessionInput,
  createSessionSchema,
  type MetaToolNaming,
  metaToolNamings,
  type SessionConfig,
  sessionConfigSchema,
  type UpdateSessionInput,
  updateSessionSchema,
} from './config.js';
export type { MetaToolDialect, MetaToolDialects } from './dialect.js';
export { type MetaToolDescriptor, type MetaToolName, maxParallelCalls, metaToolNames, searchToolsInput } from './meta-tools.js';
export {
  createRouter,
  type ListedTool,
  type Router,
  type RouterOptions,
  type SessionContext,
  type SessionView,
  type ToolCallOutcome,
  type ToolkitConnectionState,
} from './sessions.js';
