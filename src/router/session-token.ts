import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Vault } from '../auth/index.js';

const purpose = 'session-url-token';

/**
 * A session's URL token (`…/mcp/trs_…?token=…`) for clients that can send no headers: an HMAC of
 * the session id under a key derived from the master key. It authorises that session only, as its
 * user; deleting the session revokes it. Nothing is stored.
 */
export function sessionToken(vault: Vault, sessionId: string): string {
  const { keyId, key } = vault.deriveKey(purpose)!;
  return `${keyId.slice(3, 11)}.${createHmac('sha256', key).update(sessionId).digest('base64url')}`;
}

export function verifySessionToken(vault: Vault, sessionId: string, token: string): boolean {
  for (const keyId of vault.keyIds) {
    if (!token.startsWith(`${keyId.slice(3, 11)}.`)) continue;
    const expected = createHmac('sha256', vault.deriveKey(purpose, keyId)!.key).update(sessionId).digest('base64url');
    const presented = token.slice(token.indexOf('.') + 1);
    if (presented.length === expected.length && timingSafeEqual(Buffer.from(presented), Buffer.from(expected))) return true;
  }
  return false;
}
