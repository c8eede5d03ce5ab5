import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A Bitbucket-style UUID: lower-case and wrapped in braces. */
export function bracedUuid(): string {
  return `{${randomUUID()}}`;
}

/** A 24-hex-digit Atlassian account id. */
export function atlassianAccountId(): string {
  return randomBytes(12).toString('hex');
}

/** A fake but well-formed 40-hex-digit git SHA1 over whatever identifies the object. */
export function sha1Of(...parts: string[]): string {
  return createHash('sha1').update(parts.join('\0')).digest('hex');
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A snippet `encoded_id` such as `Xq7Lp`. */
export function snippetEncodedId(): string {
  return [...randomBytes(5)].map((byte) => base62[byte % base62.length]).join('');
}

/** Bitbucket's timestamp format: ISO 8601 with microseconds and an explicit `+00:00` offset. */
export function bitbucketTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** A clock whose readings never repeat, so `sort=-updated_on` is deterministic even within one millisecond. */
export class MonotonicClock {
  private last = 0;

  now(): string {
    this.last = Math.max(Date.now(), this.last + 1);
    return bitbucketTimestamp(new Date(this.last));
  }
}
