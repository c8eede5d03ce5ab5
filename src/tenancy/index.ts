import type { ChangeFeed, Database } from '../db/index.js';
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
export function createTenancyService(db: Database, changes: ChangeFeed) {
  const apiKeys = createApiKeyService(db, changes);
  // A deleted project takes keys, sessions and toolkits with it: every cache starts over.
  const projects = createProjectService(db, { onDeleted: () => changes.changed('*', '*') });
  return {
    projects,
    apiKeys,
    ensureUser: createUserRegistry(db),
    bootstrap: () => bootstrapInstance(db, apiKeys),
  };
}

export type TenancyService = ReturnType<typeof createTenancyService>;
