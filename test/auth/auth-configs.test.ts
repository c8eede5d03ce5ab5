import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

describe.skipIf(!testDatabaseAvailable())('auth configs over REST', () => {
  let t: TestServer;
  const clientSecret = 'bitbucket-client-secret-0123456789';
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, key?: string) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': key ?? t.adminKey }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t?.close());

  it("creates an OAuth config with the toolkit's scopes by default, keeping the client secret write-only and sealed", async () => {
    const created = await call('POST', '/v1/auth-configs', {
      toolkit: 'bitbucket',
      scheme: 'oauth2_authorization_code',
      client_id: 'bb-client',
      client_secret: clientSecret,
    });
    expect(created.statusCode).toBe(201);
    const config = created.json();
    expect(config).toMatchObject({
      id: expect.stringMatching(/^ac_/),
      toolkit: 'bitbucket',
      client_id: 'bb-client',
      client_secret_hint: '••••6789',
      allowed_tools: null,
    });
    expect(config.scopes).toEqual(expect.arrayContaining(['repository', 'pullrequest']));
    expect(created.body).not.toContain(clientSecret);
    const rows = await t.server.database.db.execute(sql`select t::text as row from auth_configs t`);
    expect(JSON.stringify(rows)).not.toContain(clientSecret);
    expect((await call('GET', `/v1/auth-configs/${config.id}`)).body).not.toContain(clientSecret);
  });

  it("defaults to the toolkit's first scheme and refuses schemes and fields that do not fit", async () => {
    expect((await call('POST', '/v1/auth-configs', { toolkit: 'backendless' })).json()).toMatchObject({ scheme: 'api_key', scopes: [] });
    const wrongScheme = await call('POST', '/v1/auth-configs', { toolkit: 'backendless', scheme: 'oauth2_authorization_code', client_id: 'x' });
    expect(wrongScheme.statusCode).toBe(400);
    expect(wrongScheme.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'scheme' } });
    expect((await call('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'basic', client_id: 'x' })).json().error.details.field).toBe('client_id');
    expect((await call('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'oauth2_authorization_code' })).json().error.details.field).toBe(
      'client_id',
    );
    expect(
      (await call('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'oauth2_client_credentials', client_id: 'x' })).json().error.details.field,
    ).toBe('client_secret');
    expect((await call('POST', '/v1/auth-configs', { toolkit: 'nope' })).json().error.code).toBe('TOOLKIT_NOT_FOUND');
    const badTools = await call('POST', '/v1/auth-configs', {
      toolkit: 'bitbucket',
      scheme: 'basic',
      allowed_tools: ['BITBUCKET_GET_CURRENT_USER', 'GITHUB_X'],
    });
    expect(badTools.json().error.details.unknown_tools).toEqual(['GITHUB_X']);
  });

  it('updates, rotates the secret, clears the allow-list, lists by toolkit and deletes', async () => {
    const config = (
      await call('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'basic', name: 'Read only', allowed_tools: ['BITBUCKET_GET_CURRENT_USER'] })
    ).json();
    expect(config.allowed_tools).toEqual(['BITBUCKET_GET_CURRENT_USER']);
    const renamed = (await call('PATCH', `/v1/auth-configs/${config.id}`, { name: 'Everything', allowed_tools: null })).json();
    expect(renamed).toMatchObject({ name: 'Everything', allowed_tools: null });
    expect((await call('PATCH', `/v1/auth-configs/${config.id}`, { client_secret: 'x-secret-value-1' })).statusCode).toBe(400);

    const oauth = (
      await call('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'oauth2_authorization_code', client_id: 'c', client_secret: 'first-secret-aaaa' })
    ).json();
    const rotated = (await call('PATCH', `/v1/auth-configs/${oauth.id}`, { client_secret: 'second-secret-bbbb' })).json();
    expect(rotated.client_secret_hint).toBe('••••bbbb');

    const listed = (await call('GET', '/v1/auth-configs?toolkit=backendless')).json();
    expect(listed.items.every((item: { toolkit: string }) => item.toolkit === 'backendless')).toBe(true);
    expect((await call('DELETE', `/v1/auth-configs/${config.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/v1/auth-configs/${config.id}`)).statusCode).toBe(404);
  });

  it('keeps projects apart and needs the manage scope to change anything', async () => {
    const mine = (await call('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'basic' })).json();
    const other = (await call('POST', '/v1/projects', { name: 'Other auth project' })).json();
    const otherKey = (await call('POST', '/v1/api-keys', { name: 'o', scopes: ['manage', 'tools:execute'], project_id: other.id })).json().key;
    for (const [method, url] of [
      ['GET', `/v1/auth-configs/${mine.id}`],
      ['PATCH', `/v1/auth-configs/${mine.id}`],
      ['DELETE', `/v1/auth-configs/${mine.id}`],
    ] as const) {
      expect((await call(method, url, method === 'PATCH' ? { name: 'x' } : undefined, otherKey)).statusCode).toBe(404);
    }
    expect((await call('GET', '/v1/auth-configs', undefined, otherKey)).json().items).toEqual([]);

    const agentKey = (await call('POST', '/v1/api-keys', { name: 'agent', scopes: ['tools:execute'] })).json().key;
    expect((await call('GET', '/v1/auth-configs', undefined, agentKey)).statusCode).toBe(200);
    expect((await call('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'basic' }, agentKey)).statusCode).toBe(403);
  });
});
