import type { Database } from '../db/index.js';
import { createApiKeyService } from './api-keys.js';
import { bootstrapInstance } from './bootstrap.js';
import { createProjectService } from './projects.js';
import { createUserRegistry } from './users.js';

export { generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key-secret.js';
export type { ApiKeyService, CreateApiKeyRequest } from './api-keys.js';
export type { BootstrapResult } from './bootstrap.js';
export { actingUser, hasScope, isInstanceAdmin, type Principal, requireScope, seesUser, targetProject } from './principal.js';
export type { ProjectService } from './projects.js';
export {
  type ApiKeyView,
  apiKeySchema,
  type CreateApiKeyInput,
  type CreatedApiKeyView,
  createApiKeySchema,
  createdApiKeySchema,
  createProjectSchema,
  listApiKeysQuerySchema,
  type ProjectView,
  projectSchema,
  type Scope,
  scopeSchema,
  scopes,
  updateApiKeySchema,
  updateProjectSchema,
  userIdSchema,
} from './schemas.js';

/** Projects, API keys and end users of one Switchboard instance. */
export interface TenancyOptions {
  /** Cache API-key lookups in memory; only for a single-process (embedded) database. */
  cacheApiKeys?: boolean;
}

export function createTenancyService(db: Database, options: TenancyOptions = {}) {
  const apiKeys = createApiKeyService(db, { cacheLookups: options.cacheApiKeys ?? false });
  const projects = createProjectService(db, { onDeleted: apiKeys.invalidate });
  return {
    projects,
    apiKeys,
    ensureUser: createUserRegistry(db),
    bootstrap: () => bootstrapInstance(db, apiKeys),
  };
}

export type TenancyService = ReturnType<typeof createTenancyService>;
