export { composioDialect, composioMetaToolNames, composioSearchResult } from './dialect.js';
export { composioErrorBody, notServed, unsupportedOption } from './errors.js';
export {
  type ComposioSessionBody,
  composioExecution,
  composioLink,
  composioSession,
  composioSessionBodySchema,
  composioToolkits,
  toCreateSessionInput,
  toUpdateSessionInput,
} from './sessions.js';
