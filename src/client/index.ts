// The TypeScript client of the Switchboard REST API. It imports nothing from the server: programs
// use it on its own (`import { Switchboard } from 'switchboard/client'`).
export {
  type AuthConfig,
  type AuthConfigScheme,
  AuthConfigs,
  type CreateAuthConfigParams,
  type ListAuthConfigsParams,
  type UpdateAuthConfigParams,
} from './auth-configs.js';
export { Switchboard } from './client.js';
export {
  ConnectionRequest,
  ConnectLinks,
  type CreateConnectLinkParams,
  SwitchboardConnectionFailedError,
  SwitchboardConnectionTimeoutError,
  type WaitForConnectionOptions,
} from './connect-links.js';
export {
  type ConnectedAccount,
  type ConnectedAccountStatus,
  ConnectedAccounts,
  type CreateConnectedAccountParams,
  type ListConnectedAccountsParams,
  type UpdateConnectedAccountParams,
} from './connected-accounts.js';
export {
  type ApiErrorCode,
  type ConnectInstructions,
  SwitchboardApiError,
  SwitchboardAuthenticationError,
  SwitchboardConflictError,
  SwitchboardNetworkError,
  SwitchboardNotConnectedError,
  SwitchboardNotFoundError,
  SwitchboardPermissionError,
  SwitchboardRateLimitError,
  SwitchboardTimeoutError,
  SwitchboardValidationError,
} from './errors.js';
export { defaultBaseUrl, defaultTimeoutMs, type RequestOptions, type SwitchboardOptions } from './http.js';
export { type Page, type PageParams, paginate } from './pagination.js';
export type {
  CreateSessionConfig,
  ListPolicy,
  ListPolicyInput,
  SessionConfig,
  SessionConfigInput,
  TagPolicy,
  TagPolicyInput,
} from './session-config.js';
export {
  type AuthorizeOptions,
  type ListSessionsParams,
  type SearchHit,
  type SearchParams,
  type SearchQuery,
  type SearchResult,
  Session,
  type SessionData,
  type SessionMcp,
  Sessions,
  type SessionToolkit,
  type SessionToolkitsParams,
  type ToolkitConnectionState,
} from './sessions.js';
export { type Toolkit, type ToolkitAuthField, type ToolkitAuthScheme, Toolkits, type ToolkitWithTools } from './toolkits.js';
export { type ExecuteToolParams, type ExecutionResult, type JsonSchema, type ListToolsParams, type Tool, type ToolAnnotations, Tools } from './tools.js';
