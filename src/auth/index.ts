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
  encodeMasterKey,
  generateMasterKey,
  loadMasterKey,
  type MasterKey,
  type MasterKeySource,
  masterKeyId,
  masterKeyPath,
  parseMasterKey,
  parsePreviousMasterKeys,
  previousMasterKeysPath,
  readPreviousMasterKeys,
} from './master-key.js';
export { type RegisterMasterKeyOptions, registerMasterKey } from './master-key-registry.js';
export {
  type MasterKeyRotationSummary,
  masterKeyRotationSchema,
  type ResealOptions,
  type RotationProgress,
  resealToCurrentKey,
} from './master-key-rotation.js';
export { createMasterKeyService, type MasterKeyService, type MasterKeyServiceOptions } from './master-key-service.js';
export { type AuthScheme, authSchemeSchema, type ConnectionField, connectionFieldSchema } from './schemes.js';
export { type SealedColumn, sealedColumnName, sealedColumns } from './sealed-columns.js';
export { createVault, type Vault } from './vault.js';
