import { existsSync, readFileSync } from 'node:fs';
import type { Database } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { type Principal, requireScope } from '../tenancy/index.js';
import {
  generateMasterKey,
  type MasterKey,
  masterKeyPath,
  parseMasterKey,
  readPreviousMasterKeys,
  removePreviousMasterKeys,
  switchMasterKeyFile,
} from './master-key.js';
import { addMasterKey, refuseIfRetired } from './master-key-registry.js';
import { type MasterKeyRotationSummary, type RotationProgress, resealToCurrentKey } from './master-key-rotation.js';
import type { Vault } from './vault.js';

export interface MasterKeyServiceOptions {
  /**
   * Set when the current key lives in `<dir>/master-key` (no SWITCHBOARD_MASTER_KEY): a rotation
   * then generates the new key itself. Otherwise it reseals to the configured key.
   */
  keyFileDir?: string | undefined;
  /** Rows per batch (tests). */
  batchSize?: number;
}

/** The key in `<dir>/master-key`, checked to be the one this process seals with. */
function readCurrentKeyFile(dir: string, vault: Vault): MasterKey {
  const path = masterKeyPath(dir);
  const current = existsSync(path) ? parseMasterKey(readFileSync(path, 'utf8'), path) : undefined;
  if (current?.id !== vault.currentKeyId) {
    throw new SwitchboardError(
      'CONFLICT',
      `${path} no longer holds the master key this server started with (${vault.currentKeyId}); restore it, restart, and run the rotation again.`,
      { current_key_id: vault.currentKeyId },
    );
  }
  return current;
}

/**
 * Key-file mode: the key being replaced (and any a previous, unfinished rotation left) goes to
 * `master-key.previous`, a new key to `master-key`; the new key is registered, then the vault
 * seals with it at once.
 */
async function switchToNewKeyFile(db: Database, vault: Vault, dir: string): Promise<void> {
  const replaced = [...readPreviousMasterKeys(dir), readCurrentKeyFile(dir, vault)];
  const next = parseMasterKey(generateMasterKey(), 'the generated master key');
  switchMasterKeyFile(dir, next, replaced);
  await addMasterKey(db, next.id);
  vault.rotateTo(next);
}

/**
 * Master-key rotation for an instance admin. With a key file: a new key is generated, written and
 * used for sealing at once, everything is re-wrapped, the old key retired and `master-key.previous`
 * removed. With SWITCHBOARD_MASTER_KEY: everything is re-wrapped to the configured key (the
 * operator swapped it on every instance first) and the old keys retired.
 */
export function createMasterKeyService(db: Database, vault: Vault, options: MasterKeyServiceOptions = {}) {
  let running = false;
  return {
    async rotate(principal: Principal, progress: { onProgress?: (progress: RotationProgress) => void } = {}): Promise<MasterKeyRotationSummary> {
      requireScope(principal, 'admin');
      if (running) {
        throw new SwitchboardError('CONFLICT', 'A master-key rotation is already running on this server; wait for it to finish, then run it again if needed.');
      }
      running = true;
      try {
        await refuseIfRetired(db, vault.currentKeyId);
        if (options.keyFileDir) await switchToNewKeyFile(db, vault, options.keyFileDir);
        const summary = await resealToCurrentKey(db, vault, {
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
          ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        });
        if (!options.keyFileDir) return summary;
        removePreviousMasterKeys(options.keyFileDir);
        return { ...summary, generated_key: true };
      } finally {
        running = false;
      }
    },
  };
}

export type MasterKeyService = ReturnType<typeof createMasterKeyService>;
