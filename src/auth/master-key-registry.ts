import { isNull, sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { StartupError } from '../errors.js';
import type { Vault } from './vault.js';

/**
 * Records which master keys this database's secrets are sealed with, and refuses to start when one
 * of them is not configured here: a second instance started with another key would otherwise write
 * secrets the others cannot read.
 */
export async function registerMasterKey(db: Database, vault: Vault): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`lock table ${tables.masterKeys} in exclusive mode`);
    const active = await tx.select({ keyId: tables.masterKeys.keyId }).from(tables.masterKeys).where(isNull(tables.masterKeys.retiredAt));
    const unknown = active.map((row) => row.keyId).filter((id) => !vault.keyIds.includes(id));
    if (unknown.length > 0) {
      throw new StartupError(
        `This database holds secrets sealed with master key ${unknown.join(', ')}, but this process is configured with ${vault.currentKeyId}. ` +
          'Start every instance with the same SWITCHBOARD_MASTER_KEY (or the same data-directory master-key file).',
      );
    }
    await tx.insert(tables.masterKeys).values({ keyId: vault.currentKeyId }).onConflictDoNothing();
  });
}
