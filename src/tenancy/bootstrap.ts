import { sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { newId } from '../ids.js';
import type { ApiKeyService } from './api-keys.js';
import { presentProject } from './present.js';
import type { CreatedApiKeyView, ProjectView } from './schemas.js';

export interface BootstrapResult {
  /** Set only when this call created the instance's first project and admin key. */
  created?: { project: ProjectView; adminKey: CreatedApiKeyView };
}

/**
 * On an empty instance, creates the default project and its admin key in one transaction. Several
 * processes starting together on one PostgreSQL database create them exactly once.
 */
export async function bootstrapInstance(db: Database, apiKeys: ApiKeyService): Promise<BootstrapResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${0x5b0a4f})`);
    const [existing] = await tx.select({ id: tables.projects.id }).from(tables.projects).limit(1);
    if (existing) return {};
    const [project] = await tx
      .insert(tables.projects)
      .values({ id: newId('proj'), slug: 'default', name: 'Default project' })
      .returning();
    const adminKey = await apiKeys.insertKey(tx as unknown as Database, project!.id, { name: 'admin (created at first start)', scopes: ['admin'] });
    return { created: { project: presentProject(project!), adminKey } };
  });
}
