import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { createVault, type MasterKey, parseMasterKey } from '../../src/auth/index.js';
import { builtinToolkitsDir, loadToolkitsFrom, type ToolkitDefinition } from '../../src/catalog/index.js';
import type { Database } from '../../src/db/index.js';
import type { SwitchboardServer } from '../../src/server.js';
import { notesToolkit, type startScriptedUpstream } from '../fixtures/notes-toolkit.js';

/** The built-in toolkits (Bitbucket for OAuth auth configs) plus the notes toolkit (accounts whose credentials reach a local upstream). */
export const rotationToolkits: ToolkitDefinition[] = [...loadToolkitsFrom(builtinToolkitsDir), notesToolkit];

export type Upstream = Awaited<ReturnType<typeof startScriptedUpstream>>;

/** A master key as the environment carries it, with its parsed form. */
export interface TestKey {
  encoded: string;
  key: MasterKey;
}

export function testKey(encoded: string): TestKey {
  return { encoded, key: parseMasterKey(encoded, 'test key') };
}

export type SealedValue = {
  table: 'auth_configs' | 'connected_accounts';
  id: string;
  value: string;
};

/** Every sealed value in the database, read with plain SQL. */
export async function sealedValues(db: Database): Promise<SealedValue[]> {
  const result = await db.execute<SealedValue>(sql`
    select 'auth_configs' as "table", id, client_secret as value from auth_configs where client_secret is not null
    union all
    select 'connected_accounts', id, credentials from connected_accounts where credentials is not null
    order by 1, 2`);
  return (result as unknown as { rows: SealedValue[] }).rows;
}

const contextOf = (value: SealedValue) => `${value.table === 'auth_configs' ? 'auth_config' : 'connected_account'}:${value.id}`;

/**
 * Asserts every sealed value carries `key`'s id and opens with that key alone (no previous keys);
 * returns the plaintexts by row id.
 */
export async function expectAllSealedWith(db: Database, key: MasterKey): Promise<Map<string, string>> {
  const values = await sealedValues(db);
  expect(values.length).toBeGreaterThan(0);
  const only = createVault(key);
  const plaintexts = new Map<string, string>();
  for (const value of values) {
    expect(value.value.startsWith(`v1.${key.id}.`), `${value.table} ${value.id}`).toBe(true);
    plaintexts.set(value.id, only.openText(value.value, contextOf(value)));
  }
  return plaintexts;
}

export async function masterKeyRows(db: Database): Promise<{ key_id: string; retired: boolean }[]> {
  const result = await db.execute(sql`select key_id, retired_at is not null as retired from master_keys order by created_at, key_id`);
  return (result as unknown as { rows: { key_id: string; retired: boolean }[] }).rows;
}

export interface Seeded {
  authConfigId: string;
  clientSecret: string;
  accountIds: string[];
  apiKeys: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies of several shapes, checked by the assertions.
type Call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => Promise<{ statusCode: number; json(): any; body: string }>;

export function restCall(server: SwitchboardServer, key: string): Call {
  return (method, url, payload) => server.app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
}

/**
 * Through the REST API: an OAuth auth config with a client secret, one without (a null sealed
 * column), and `accounts` notes accounts with credentials pointing at `upstream`.
 */
export async function seedSecrets(call: Call, upstream: Upstream, accounts = 2): Promise<Seeded> {
  const clientSecret = `client-secret-${Math.random().toString(36).slice(2)}-0123456789`;
  const config = await call('POST', '/v1/auth-configs', {
    toolkit: 'bitbucket',
    scheme: 'oauth2_authorization_code',
    client_id: 'c',
    client_secret: clientSecret,
  });
  expect(config.statusCode).toBe(201);
  expect((await call('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'basic' })).statusCode).toBe(201);
  const accountIds: string[] = [];
  const apiKeys: string[] = [];
  for (let index = 0; index < accounts; index++) {
    const apiKey = `notes-key-${index}-${Math.random().toString(36).slice(2)}`;
    const account = await call('POST', '/v1/connected-accounts', {
      user_id: `user-${index}`,
      toolkit: 'notes',
      credentials: { tenant: `t${index}`, api_key: apiKey },
      base_url: `${upstream.url}/{tenant}`,
    });
    expect(account.statusCode).toBe(201);
    accountIds.push(account.json().id);
    apiKeys.push(apiKey);
  }
  return { authConfigId: config.json().id, clientSecret, accountIds, apiKeys };
}

/** Uses every seeded secret through the API: the client-secret hint decrypts, each account's key reaches the upstream. */
export async function expectSecretsWork(call: Call, upstream: Upstream, seeded: Seeded): Promise<void> {
  const config = await call('GET', `/v1/auth-configs/${seeded.authConfigId}`);
  expect(config.statusCode).toBe(200);
  expect(config.json().client_secret_hint).toBe(`••••${seeded.clientSecret.slice(-4)}`);
  for (const [index, apiKey] of seeded.apiKeys.entries()) {
    upstream.requests.length = 0;
    const executed = await call('POST', '/v1/tools/NOTES_CREATE_NOTE/execute', { user_id: `user-${index}`, arguments: { title: 'after rotation' } });
    expect(executed.statusCode, executed.body).toBe(200);
    expect(executed.json().successful).toBe(true);
    expect(upstream.requests[0]?.url).toBe(`/t${index}/notes`);
    expect(upstream.requests[0]?.headers['x-api-key']).toBe(apiKey);
  }
}

/** Fails if `text` holds any of the keys, as base64 or hex. */
export function expectNoKeyMaterial(text: string, keys: readonly TestKey[]): void {
  for (const { encoded, key } of keys) {
    expect(text).not.toContain(encoded);
    expect(text).not.toContain(key.key.toString('base64url'));
    expect(text).not.toContain(key.key.toString('hex'));
  }
}
