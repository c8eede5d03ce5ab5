import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StartupError, SwitchboardError } from '../errors.js';

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

/** Keys a rotation in progress still needs for opening, one per line; removed when the rotation finishes. */
export function previousMasterKeysPath(dataDir: string): string {
  return join(dataDir, 'master-key.previous');
}

export function encodeMasterKey(masterKey: MasterKey): string {
  return masterKey.key.toString('base64');
}

/**
 * Parses SWITCHBOARD_PREVIOUS_MASTER_KEYS entries (or lines of `master-key.previous`). Errors name
 * the entry by its position, never by its value.
 */
export function parsePreviousMasterKeys(encoded: readonly string[], source: string): MasterKey[] {
  return encoded.map((entry, index) => parseMasterKey(entry, `${source} (entry ${index + 1})`));
}

/** The keys in `<dataDir>/master-key.previous`, or none when there is no such file. */
export function readPreviousMasterKeys(dataDir: string): MasterKey[] {
  const path = previousMasterKeysPath(dataDir);
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return parsePreviousMasterKeys(lines, path);
}

function fsyncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a key file as temp file (mode 0600, flushed to disk) + rename: a reader, or a restart
 * after a crash, sees the old content or the new one, never a part or an empty file.
 */
function writeKeyFileAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    rmSync(temporary, { force: true });
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    fsyncDirectory(dirname(path));
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new SwitchboardError('INTERNAL', `Cannot write the key file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
}

/**
 * First step of a key-file rotation: the keys being replaced go to `master-key.previous` (so a
 * restart half-way still opens everything), then `next` replaces `master-key`.
 */
export function switchMasterKeyFile(dataDir: string, next: MasterKey, replaced: readonly MasterKey[]): void {
  const unique = [...new Map(replaced.filter((key) => key.id !== next.id).map((key) => [key.id, key])).values()];
  writeKeyFileAtomically(previousMasterKeysPath(dataDir), unique.map((key) => `${encodeMasterKey(key)}\n`).join(''));
  writeKeyFileAtomically(masterKeyPath(dataDir), `${encodeMasterKey(next)}\n`);
}

/** Last step of a key-file rotation: the replaced keys are no longer needed. */
export function removePreviousMasterKeys(dataDir: string): void {
  rmSync(previousMasterKeysPath(dataDir), { force: true });
}

/**
 * The master key comes from SWITCHBOARD_MASTER_KEY when set; otherwise from `<dataDir>/master-key`,
 * which is generated (mode 0600) on first start. Two processes racing to create it end up with the
 * same key: creation is exclusive and the loser reads the winner's file.
 *
 * `previous` are keys accepted for opening only: SWITCHBOARD_PREVIOUS_MASTER_KEYS, plus, with a
 * key file, those in `<dataDir>/master-key.previous` (left by a rotation that has not finished).
 */
export function loadMasterKey(options: { configured?: string | undefined; configuredPrevious?: readonly string[]; dataDir: string }): {
  masterKey: MasterKey;
  source: MasterKeySource;
  previous: MasterKey[];
  path?: string;
} {
  const fromEnvironment = parsePreviousMasterKeys(options.configuredPrevious ?? [], 'SWITCHBOARD_PREVIOUS_MASTER_KEYS');
  if (options.configured) {
    return { masterKey: parseMasterKey(options.configured, 'SWITCHBOARD_MASTER_KEY'), source: 'environment', previous: fromEnvironment };
  }
  const loaded = loadMasterKeyFile(options.dataDir);
  return { ...loaded, previous: [...fromEnvironment, ...readPreviousMasterKeys(options.dataDir)] };
}

function loadMasterKeyFile(dataDir: string): { masterKey: MasterKey; source: MasterKeySource; path: string } {
  const path = masterKeyPath(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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
