export {
  type AuthConfigScheme,
  type AuthConfigService,
  type AuthConfigView,
  authConfigSchema,
  authConfigSchemes,
  type CreateAuthConfigInput,
  createAuthConfigSchema,
  createAuthConfigService,
  type ToolkitAuthFacts,
  type UpdateAuthConfigInput,
  updateAuthConfigSchema,
} from './auth-configs.js';
export {
  type ConnectedAccountService,
  type ConnectedAccountServiceOptions,
  type ConnectedAccountStatus,
  type ConnectedAccountView,
  type CreateConnectedAccount,
  connectedAccountSchema,
  connectedAccountStatuses,
  createConnectedAccountService,
  maskSecret,
  type ResolvedCredential,
} from './connected-accounts.js';
export {
  generateMasterKey,
  loadMasterKey,
  type MasterKey,
  type MasterKeySource,
  masterKeyId,
  masterKeyPath,
  parseMasterKey,
} from './master-key.js';
export { registerMasterKey } from './master-key-registry.js';
export { type AuthScheme, authSchemeSchema, type ConnectionField, connectionFieldSchema } from './schemes.js';
export { createVault, type Vault } from './vault.js';
