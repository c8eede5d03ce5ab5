import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../errors.js';

/** A 32-byte AES-256 key-encryption key and its public fingerprint. */
export interface MasterKey {
  /** `mk_` + 16 hex chars derived from the key with HMAC; safe to store and log. */
  readonly id: string;
  readonly key: Buffer;
}

export type MasterKeySource = 'environment' | 'data-dir' | 'generated';

export function masterKeyId(key: Buffer): string {
  return `mk_${createHmac('sha256', key).update('switchboard master key id').digest('hex').slice(0, 16)}`;
}

/** Parses a base64 (or base64url) encoded 32-byte master key. */
export function parseMasterKey(encoded: string, source: string): MasterKey {
  const trimmed = encoded.trim();
  const key = Buffer.from(trimmed, /[-_]/.test(trimmed) ? 'base64url' : 'base64');
  if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) {
    throw new StartupError(
      `${source} must be 32 random bytes encoded as base64 (44 characters); it decodes to ${key.length} bytes. Generate one with: openssl rand -base64 32`,
    );
  }
  return { id: masterKeyId(key), key };
}

export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

export function masterKeyPath(dataDir: string): string {
  return join(dataDir, 'master-key');
}

/**
 * The master key comes from SWITCHBOARD_MASTER_KEY when set; otherwise from `<dataDir>/master-key`,
 * which is generated (mode 0600) on first start. Two processes racing to create it end up with the
 * same key: creation is exclusive and the loser reads the winner's file.
 */
export function loadMasterKey(options: { configured?: string | undefined; dataDir: string }): {
  masterKey: MasterKey;
  source: MasterKeySource;
  path?: string;
} {
  if (options.configured) return { masterKey: parseMasterKey(options.configured, 'SWITCHBOARD_MASTER_KEY'), source: 'environment' };
  const path = masterKeyPath(options.dataDir);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, `${generateMasterKey()}\n`);
    closeSync(fd);
    return { masterKey: parseMasterKey(readFileSync(path, 'utf8'), path), source: 'generated', path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StartupError(`Cannot create the master key file ${path}: ${(error as Error).message}`);
    }
  }
  return { masterKey: parseMasterKey(readFileSync(path, 'utf8'), path), source: 'data-dir', path };
}
