import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { StartupError, SwitchboardError } from '../errors.js';
import type { Vault } from './vault.js';

export interface RegisterMasterKeyOptions {
  /** The `master-key` file the current key was read from; unset when it came from SWITCHBOARD_MASTER_KEY. */
  keyFile?: string | undefined;
}

const lockRegistry = (db: Database) => db.execute(sql`lock table ${tables.masterKeys} in exclusive mode`);

function origin(vault: Vault, keyFile: string | undefined): string {
  return `${vault.currentKeyId} (${keyFile ? `from ${keyFile}` : 'SWITCHBOARD_MASTER_KEY'})`;
}

function refuseRetired(vault: Vault, retiredAt: Date, active: readonly string[], keyFile: string | undefined): StartupError {
  const wanted = active.length > 0 ? `the key whose id is ${active.join(' or ')}` : 'the key the last rotation switched to';
  const fix = keyFile ? `put ${wanted} into ${keyFile} (or set SWITCHBOARD_MASTER_KEY to it)` : `set SWITCHBOARD_MASTER_KEY to ${wanted}`;
  return new StartupError(
    `This process is configured with master key ${origin(vault, keyFile)}, which a master-key rotation retired at ${retiredAt.toISOString()}. ` +
      `Configure the current key instead: ${fix}. The retired key is no longer needed.`,
  );
}

function refuseUnknown(vault: Vault, unknown: readonly string[], keyFile: string | undefined): StartupError {
  return new StartupError(
    `This database holds secrets sealed with master key ${unknown.join(', ')}, but this process is configured with ${origin(vault, keyFile)} ` +
      `and does not have ${unknown.length > 1 ? 'those keys' : 'that key'}. Start every instance with the same SWITCHBOARD_MASTER_KEY (or the same data-directory master-key file); ` +
      'while a rotation is under way, give the other key in SWITCHBOARD_PREVIOUS_MASTER_KEYS.',
  );
}

/**
 * Records which master keys this database's secrets are sealed with, and refuses to start when one
 * of them is not configured here: a second instance started with another key would otherwise write
 * secrets the others cannot read. A process whose current key a rotation retired is refused too,
 * with the id of the key to configure.
 */
export async function registerMasterKey(db: Database, vault: Vault, options: RegisterMasterKeyOptions = {}): Promise<void> {
  await db.transaction(async (tx) => {
    await lockRegistry(tx);
    const rows = await tx.select().from(tables.masterKeys);
    const active = rows.filter((row) => row.retiredAt === null).map((row) => row.keyId);
    const own = rows.find((row) => row.keyId === vault.currentKeyId);
    if (own?.retiredAt) throw refuseRetired(vault, own.retiredAt, active, options.keyFile);
    const unknown = active.filter((id) => !vault.keyIds.includes(id));
    if (unknown.length > 0) throw refuseUnknown(vault, unknown, options.keyFile);
    await tx.insert(tables.masterKeys).values({ keyId: vault.currentKeyId }).onConflictDoNothing();
  });
}

/**
 * The end of a rotation, in one transaction holding the registry lock: when `remaining()` (sealed
 * values under other keys, counted inside the transaction) is 0, registers `currentKeyId` and marks
 * every other key retired. Returns the ids retired now, or null when values remain.
 */
export async function retireOtherMasterKeys(db: Database, currentKeyId: string, remaining: (tx: Database) => Promise<number>): Promise<string[] | null> {
  return db.transaction(async (tx) => {
    await lockRegistry(tx);
    await refuseIfRetired(tx, currentKeyId);
    if ((await remaining(tx)) > 0) return null;
    await tx.insert(tables.masterKeys).values({ keyId: currentKeyId }).onConflictDoNothing();
    const retired = await tx
      .update(tables.masterKeys)
      .set({ retiredAt: sql`now()` })
      .where(and(ne(tables.masterKeys.keyId, currentKeyId), isNull(tables.masterKeys.retiredAt)))
      .returning({ keyId: tables.masterKeys.keyId });
    return retired.map((row) => row.keyId).sort();
  });
}

/**
 * A rotation must never seal towards a key another rotation retired (an instance started before
 * that rotation, still configured with the old key): it would undo it.
 */
export async function refuseIfRetired(db: Database, keyId: string): Promise<void> {
  const [row] = await db.select().from(tables.masterKeys).where(eq(tables.masterKeys.keyId, keyId));
  if (row?.retiredAt) {
    throw new SwitchboardError(
      'CONFLICT',
      `This instance seals with master key ${keyId}, which a master-key rotation retired at ${row.retiredAt.toISOString()}. ` +
        'Restart it with the current key (SWITCHBOARD_MASTER_KEY) before rotating.',
      { current_key_id: keyId },
    );
  }
}

/** Registers a key before anything is sealed with it (a rotation switching keys in a running process). */
export async function addMasterKey(db: Database, keyId: string): Promise<void> {
  await db.insert(tables.masterKeys).values({ keyId }).onConflictDoNothing();
}
