export {
  authConfigFilter,
  authConfigsQuerySchema,
  composioAuthConfig,
  composioAuthScheme,
  composioCreatedAuthConfig,
  createAuthConfigBodySchema,
  toCreateAuthConfigInput,
  toolkitSlugsOf,
} from './auth-configs.js';
export {
  accountsQuerySchema,
  composioAccount,
  composioInitiated,
  composioLinkResponse,
  composioStatus,
  initiateBodySchema,
  linkBodySchema,
  listComposioAccounts,
  toConnectLinkInput,
  toInitiatePlan,
  unknownAuthConfig,
} from './connected-accounts.js';
export { composioDialect, composioMetaToolNames, composioSearchResult } from './dialect.js';
export { composioErrorBody, notServed, unsupportedOption } from './errors.js';
export { composioPage, listParam, pageLimit } from './pages.js';
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
export { composioToolkitDetail, composioToolkitItem, filterToolkits, toolkitsQuerySchema } from './toolkits.js';
export {
  checkToolkitVersion,
  composioTool,
  composioToolResult,
  refuseUnsupportedToolFilters,
  toExecuteRequest,
  toolExecuteBodySchema,
  toolQuerySchema,
  toolsQuerySchema,
} from './tools.js';
export { asOurInput } from './validate.js';
