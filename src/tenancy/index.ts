import type { Database } from '../db/index.js';
import { createApiKeyService } from './api-keys.js';
import { bootstrapInstance } from './bootstrap.js';
import { createProjectService } from './projects.js';
import { ensureUser } from './users.js';

export { generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key-secret.js';
export type { ApiKeyService, CreateApiKeyRequest } from './api-keys.js';
export type { BootstrapResult } from './bootstrap.js';
export { hasScope, isInstanceAdmin, type Principal, requireScope, targetProject } from './principal.js';
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
export function createTenancyService(db: Database) {
  const apiKeys = createApiKeyService(db);
  const projects = createProjectService(db);
  return {
    projects,
    apiKeys,
    ensureUser: (projectId: string, userId: string) => ensureUser(db, projectId, userId),
    bootstrap: () => bootstrapInstance(db, apiKeys),
  };
}

export type TenancyService = ReturnType<typeof createTenancyService>;
