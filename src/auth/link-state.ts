import { createHash, randomBytes } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { SwitchboardError } from '../errors.js';
import type { Vault } from './vault.js';

const purpose = 'oauth-state';
const lifetimeSeconds = 600;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** What an OAuth `state` parameter carries: which link it belongs to, this attempt's nonce, the browser binding. */
export interface LinkState {
  linkHash: string;
  nonce: string;
  bindingHash: string;
}

const invalidState = (why: string) =>
  new SwitchboardError('VALIDATION_FAILED', `This sign-in response cannot be accepted (${why}). Open the connect link again and retry.`, {
    field: 'state',
  });

/**
 * OAuth `state` is a JWT signed (HS256) with a key derived from the master key: it names the link by
 * hash (never the link token), so a forged or altered state is refused before any lookup.
 */
export function createLinkStateCodec(vault: Vault) {
  return {
    async sign(state: LinkState): Promise<string> {
      const signing = vault.deriveKey(purpose)!;
      return new SignJWT({ lnk: state.linkHash, n: state.nonce, b: state.bindingHash })
        .setProtectedHeader({ alg: 'HS256', kid: signing.keyId })
        .setIssuedAt()
        .setExpirationTime(`${lifetimeSeconds}s`)
        .sign(signing.key);
    },

    async verify(token: string): Promise<LinkState> {
      let keyId: unknown;
      try {
        keyId = decodeProtectedHeader(token).kid;
      } catch {
        throw invalidState('the state parameter is malformed');
      }
      const verifying = typeof keyId === 'string' ? vault.deriveKey(purpose, keyId) : undefined;
      if (!verifying) throw invalidState('the state was not issued by this server');
      try {
        const { payload } = await jwtVerify(token, verifying.key, { algorithms: ['HS256'] });
        if (typeof payload.lnk !== 'string' || typeof payload.n !== 'string' || typeof payload.b !== 'string') throw invalidState('the state is incomplete');
        return { linkHash: payload.lnk, nonce: payload.n, bindingHash: payload.b };
      } catch (error) {
        if (error instanceof SwitchboardError) throw error;
        if ((error as { code?: string }).code === 'ERR_JWT_EXPIRED') throw invalidState('the sign-in took longer than 10 minutes');
        throw invalidState('the state signature does not verify');
      }
    },

    lifetimeSeconds,
  };
}

export type LinkStateCodec = ReturnType<typeof createLinkStateCodec>;
