export {
  type AuthConfigRow,
  type AuthConfigScheme,
  type AuthConfigService,
  type AuthConfigView,
  authConfigSchema,
  authConfigSchemes,
  type CreateAuthConfigInput,
  createAuthConfigSchema,
  createAuthConfigService,
  oauthCallbackPath,
  type ToolkitAuthFacts,
  type ToolkitLookup,
  type UpdateAuthConfigInput,
  updateAuthConfigSchema,
} from './auth-configs.js';
export {
  bindingCookieName,
  type ConnectLinkService,
  type ConnectLinkView,
  type ConnectOutcome,
  type ConnectPage,
  type CreateConnectLinkInput,
  callbackWithOutcome,
  connectLinkSchema,
  createConnectLinkSchema,
  createConnectLinkService,
} from './connect-links.js';
export {
  type ConnectedAccountService,
  type ConnectedAccountServiceOptions,
  type ConnectedAccountStatus,
  type ConnectedAccountView,
  type CreateConnectedAccount,
  connectedAccountSchema,
  connectedAccountStatuses,
  createConnectedAccountSchema,
  createConnectedAccountService,
  type UpdateConnectedAccount,
  updateConnectedAccountSchema,
} from './connected-accounts.js';
export { checkCredentialFields, maskSecret } from './credential-fields.js';
export { type CredentialResolver, createCredentialResolver, type ResolveContext, type ResolvedCredential } from './credential-resolver.js';
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
export { createOAuthClient, type OAuthClient, type OAuthClientConfig, type TokenSet } from './oauth-client.js';
export { type AuthScheme, authSchemeSchema, type ConnectionField, connectionFieldSchema } from './schemes.js';
export { type SealedColumn, sealedColumnName, sealedColumns } from './sealed-columns.js';
export { createVault, type Vault } from './vault.js';
