import { randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform random base62 string (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += alphabet[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Prefixed identifiers as the API shows them: `proj_…`, `key_…`, later `ac_…`, `ca_…`, `trs_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(20)}`;
}
