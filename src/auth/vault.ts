import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SwitchboardError } from '../errors.js';
import type { MasterKey } from './master-key.js';

const formatVersion = 'v1';
const ivLength = 12;
const tagLength = 16;
const dekWrapAad = Buffer.from('switchboard:dek:v1');

/**
 * Envelope encryption for secrets at rest. Each secret gets its own random data key (AES-256-GCM);
 * the data key is wrapped by the master key and stored beside the ciphertext with the master key's
 * id, so a rotation only re-wraps data keys. `context` (for example `connected_account:ca_…`) is
 * bound as additional authenticated data: a sealed value copied to another row will not open.
 *
 * Sealed format: `v1.<master key id>.<wrapped data key>.<payload>`, both parts base64url of
 * iv ‖ tag ‖ ciphertext.
 */
export interface Vault {
  /** Id of the key new secrets are sealed with. */
  readonly currentKeyId: string;
  /** Ids of every key this vault opens with: the current one first, then the previous ones. */
  readonly keyIds: readonly string[];
  seal(plaintext: string | Uint8Array, context: string): string;
  open(sealed: string, context: string): Buffer;
  openText(sealed: string, context: string): string;
  /** Master key id a sealed value is wrapped with. */
  keyIdOf(sealed: string): string;
  /** Re-wraps the data key under the current master key; the payload is untouched. */
  reseal(sealed: string): string;
  /**
   * A 32-byte key for one purpose (e.g. signing OAuth state), derived from a master key with HKDF:
   * the current one by default, or the one named (to verify what an older key signed).
   */
  deriveKey(purpose: string, keyId?: string): { keyId: string; key: Uint8Array } | undefined;
  /**
   * Seals with `next` from now on, in place (every service holds this same vault); the key it
   * replaces stays available for opening. Used by a master-key rotation.
   */
  rotateTo(next: MasterKey): void;
}

function encrypt(key: Buffer, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function decrypt(key: Buffer, blob: Buffer, aad: Uint8Array): Buffer {
  if (blob.length < ivLength + tagLength) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, ivLength));
  decipher.setAAD(aad);
  decipher.setAuthTag(blob.subarray(ivLength, ivLength + tagLength));
  return Buffer.concat([decipher.update(blob.subarray(ivLength + tagLength)), decipher.final()]);
}

function unreadable(reason: string): SwitchboardError {
  return new SwitchboardError('INTERNAL', `A stored secret could not be decrypted (${reason}). It may have been encrypted under another master key.`);
}

/** @param initial key new secrets are sealed with (see `rotateTo`); @param previous keys still accepted for opening. */
export function createVault(initial: MasterKey, previous: readonly MasterKey[] = []): Vault {
  let current = initial;
  const keys = new Map<string, Buffer>([[current.id, current.key], ...previous.map((k) => [k.id, k.key] as const)]);

  function parse(sealed: string) {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== formatVersion) throw unreadable('unknown format');
    const [, keyId, wrapped, payload] = parts as [string, string, string, string];
    return { keyId, wrapped: Buffer.from(wrapped, 'base64url'), payload: Buffer.from(payload, 'base64url') };
  }

  function unwrapDataKey(keyId: string, wrapped: Buffer): Buffer {
    const masterKey = keys.get(keyId);
    if (!masterKey) throw unreadable(`master key ${keyId} is not configured`);
    try {
      return decrypt(masterKey, wrapped, dekWrapAad);
    } catch {
      throw unreadable('data key does not unwrap');
    }
  }

  const payloadAad = (context: string) => Buffer.from(`switchboard:${formatVersion}:${context}`);

  return {
    get currentKeyId() {
      return current.id;
    },
    get keyIds() {
      return [current.id, ...[...keys.keys()].filter((id) => id !== current.id)];
    },
    seal(plaintext, context) {
      const dataKey = randomBytes(32);
      const payload = encrypt(dataKey, typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext, payloadAad(context));
      const wrapped = encrypt(current.key, dataKey, dekWrapAad);
      dataKey.fill(0);
      return [formatVersion, current.id, wrapped.toString('base64url'), payload.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const { keyId, wrapped, payload } = parse(sealed);
      const dataKey = unwrapDataKey(keyId, wrapped);
      try {
        return decrypt(dataKey, payload, payloadAad(context));
      } catch {
        throw unreadable('payload does not authenticate for this record');
      } finally {
        dataKey.fill(0);
      }
    },
    openText(sealed, context) {
      return this.open(sealed, context).toString('utf8');
    },
    keyIdOf(sealed) {
      return parse(sealed).keyId;
    },
    deriveKey(purpose, keyId = current.id) {
      const masterKey = keys.get(keyId);
      if (!masterKey) return undefined;
      return { keyId, key: new Uint8Array(hkdfSync('sha256', masterKey, Buffer.alloc(0), `switchboard:${purpose}`, 32)) };
    },
    reseal(sealed) {
      const { keyId, wrapped, payload } = parse(sealed);
      if (keyId === current.id) return sealed;
      const dataKey = unwrapDataKey(keyId, wrapped);
      const rewrapped = encrypt(current.key, dataKey, dekWrapAad);
      dataKey.fill(0);
      return [formatVersion, current.id, rewrapped.toString('base64url'), payload.toString('base64url')].join('.');
    },
    rotateTo(next) {
      keys.set(next.id, next.key);
      current = next;
    },
  };
}
