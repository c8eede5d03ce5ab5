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
export { createVault, type Vault } from './vault.js';
