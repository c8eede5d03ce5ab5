/**
 * A stateful Bitbucket Cloud REST API 2.0 emulator for tests: a node:http server on 127.0.0.1 that serves a
 * subset of the official OpenAPI description under `/2.0`, with Basic (email + API token) and Bearer auth,
 * in-memory state, a request log and fault injection. See ./README.md for the seed and for the choices made
 * where the spec is vague.
 */

import type { Fault } from './faults.js';
import { bitbucketRoutes } from './routes/index.js';
import { DEFAULT_ACCOUNT, type SeedOptions, seedState } from './seed.js';
import { type RecordedRequest, startServer } from './server.js';
import type { BitbucketState } from './state.js';

export type { BitbucketErrorBody } from './errors.js';
export type { Fault } from './faults.js';
export type * from './model.js';
export type { Route } from './routing.js';
export { DEFAULT_ACCESS_TOKEN, DEFAULT_ACCOUNT, MEMBER_ACCOUNT, OUTSIDER_ACCOUNT, SEED, type SeedAccount, type SeedOptions } from './seed.js';
export type { RecordedRequest } from './server.js';
export type { AccountSeed, BitbucketState, FileChanges, RepositorySeed, SnippetSeed } from './state.js';
export { bitbucketRoutes };

export type BitbucketEmulatorOptions = SeedOptions;

export interface BitbucketEmulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `${url}/2.0`, the equivalent of `https://api.bitbucket.org/2.0`. */
  baseUrl: string;
  state: BitbucketState;
  /** Every request received, oldest first (the array is live; empty it with `requests.length = 0`). */
  requests: RecordedRequest[];
  /** Makes the next request(s), whatever the route, fail or stall as described. Calls queue up in order. */
  failNext(fault: Fault): void;
  /** From now on the OAuth access token is answered with 401. */
  revokeAccessToken(token: string): void;
  close(): Promise<void>;
}

export async function startBitbucketEmulator(options: BitbucketEmulatorOptions = {}): Promise<BitbucketEmulator> {
  const state = seedState(options);
  const requests: RecordedRequest[] = [];
  const server = await startServer(state, bitbucketRoutes, requests);
  return {
    url: server.url,
    baseUrl: `${server.url}/2.0`,
    state,
    requests,
    failNext: (fault) => server.faults.add(fault),
    revokeAccessToken: (token) => state.revokeAccessToken(token),
    close: () => server.close(),
  };
}

/** `Authorization` header value for HTTP Basic with an account email and API token (the default account's by default). */
export function basicAuthorization(email: string = DEFAULT_ACCOUNT.email, apiToken: string = DEFAULT_ACCOUNT.apiToken): string {
  return `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
}
