import { createHash, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from '../ids.js';

const lookupLength = 10;
const secretLength = 32;
const keyPattern = new RegExp(`^sk_[0-9A-Za-z]{${lookupLength + secretLength}}$`);

/** `sk_` + 10 lookup characters + 32 secret characters (≈190 bits of entropy in the secret part). */
export function generateApiKey(): { key: string; prefix: string; secretHash: string } {
  const key = `sk_${randomBase62(lookupLength)}${randomBase62(secretLength)}`;
  return { key, prefix: apiKeyPrefix(key), secretHash: hashApiKey(key) };
}

export function isWellFormedApiKey(key: string): boolean {
  return keyPattern.test(key);
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, 3 + lookupLength);
}

/** A fast hash suffices: the key is long and random, so there is nothing to brute-force. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyMatches(key: string, secretHash: string): boolean {
  const actual = Buffer.from(hashApiKey(key), 'hex');
  const expected = Buffer.from(secretHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
