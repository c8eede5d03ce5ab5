import type { tables } from '../db/index.js';
import type { ApiKeyView, ProjectView, Scope } from './schemas.js';

type ProjectRow = typeof tables.projects.$inferSelect;
type ApiKeyRow = typeof tables.apiKeys.$inferSelect;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function presentProject(row: ProjectRow): ProjectView {
  return { id: row.id, slug: row.slug, name: row.name, created_at: row.createdAt.toISOString(), updated_at: row.updatedAt.toISOString() };
}

export function apiKeyStatus(row: ApiKeyRow, now = new Date()): ApiKeyView['status'] {
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt && row.expiresAt <= now) return 'expired';
  return 'active';
}

export function presentApiKey(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    project_id: row.projectId,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as Scope[],
    user_id: row.userId,
    status: apiKeyStatus(row),
    created_at: row.createdAt.toISOString(),
    expires_at: iso(row.expiresAt),
    last_used_at: iso(row.lastUsedAt),
    revoked_at: iso(row.revokedAt),
  };
}
