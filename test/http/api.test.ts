import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

describe.skipIf(!testDatabaseAvailable())('REST API: projects and API keys', () => {
  let t: TestServer;
  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    options: { key?: string | null; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    t.server.app.inject({
      method,
      url,
      headers: { ...(options.key === null ? {} : { 'x-api-key': options.key ?? t.adminKey }), ...options.headers },
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t?.close());

  it('answers /health with the database state', async () => {
    const response = await call('GET', '/health', { key: null });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', database: { status: 'ok', kind: process.env.SWITCHBOARD_TEST_DB } });
  });

  it('lists the default project for the bootstrap admin key', async () => {
    const response = await call('GET', '/v1/projects');
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([expect.objectContaining({ slug: 'default' })]);
  });

  it('accepts the key as a bearer token too', async () => {
    const response = await call('GET', '/v1/projects', { key: null, headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(response.statusCode).toBe(200);
  });

  it('creates a key, shows the secret once, and authenticates with it', async () => {
    const created = await call('POST', '/v1/api-keys', { body: { name: 'agent', scopes: ['tools:execute'] } });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.key).toMatch(/^sk_[0-9A-Za-z]{42}$/);
    expect(body.key.startsWith(body.prefix)).toBe(true);

    const fetched = await call('GET', `/v1/api-keys/${body.id}`);
    expect(fetched.json()).not.toHaveProperty('key');
    expect(fetched.body).not.toContain(body.key);

    const listed = await call('GET', '/v1/api-keys');
    expect(listed.body).not.toContain(body.key);

    // tools:execute alone may read its own project but not manage keys.
    expect((await call('GET', '/v1/projects', { key: body.key })).statusCode).toBe(200);
    const forbidden = await call('GET', '/v1/api-keys', { key: body.key });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toMatchObject({ code: 'FORBIDDEN', details: { required_scope: 'manage' } });
  });

  it('records last use time', async () => {
    const created = (await call('POST', '/v1/api-keys', { body: { name: 'used', scopes: ['manage'] } })).json();
    expect(created.last_used_at).toBeNull();
    await call('GET', '/v1/projects', { key: created.key });
    const after = (await call('GET', `/v1/api-keys/${created.id}`)).json();
    expect(after.last_used_at).not.toBeNull();
  });

  it('revokes a key: refused at once with an actionable 401, kept in the list with include_revoked', async () => {
    const created = (await call('POST', '/v1/api-keys', { body: { name: 'short-lived', scopes: ['manage'] } })).json();
    const revoked = await call('DELETE', `/v1/api-keys/${created.id}`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ status: 'revoked' });

    const refused = await call('GET', '/v1/projects', { key: created.key });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('UNAUTHENTICATED');
    expect(refused.json().error.message).toMatch(/revoked/);

    const active = (await call('GET', '/v1/api-keys')).json().items.map((k: { id: string }) => k.id);
    expect(active).not.toContain(created.id);
    const all = (await call('GET', '/v1/api-keys?include_revoked=true')).json().items.map((k: { id: string }) => k.id);
    expect(all).toContain(created.id);
  });

  it('refuses to revoke the last active admin key', async () => {
    const keys = (await call('GET', '/v1/api-keys')).json().items as { id: string; scopes: string[] }[];
    const admin = keys.find((k) => k.scopes.includes('admin'));
    const response = await call('DELETE', `/v1/api-keys/${admin?.id}`);
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('CONFLICT');
    expect((await call('GET', '/v1/projects')).statusCode).toBe(200);
  });

  it('lets only an admin key create, rename or revoke an admin key', async () => {
    const manager = (await call('POST', '/v1/api-keys', { body: { name: 'manager', scopes: ['manage'] } })).json();
    const keys = (await call('GET', '/v1/api-keys')).json().items as { id: string; name: string; scopes: string[] }[];
    const admin = keys.find((k) => k.scopes.includes('admin'))!;
    const attempts = [
      await call('POST', '/v1/api-keys', { key: manager.key, body: { name: 'x', scopes: ['admin'] } }),
      await call('PATCH', `/v1/api-keys/${admin.id}`, { key: manager.key, body: { name: 'OLD - safe to revoke' } }),
      await call('DELETE', `/v1/api-keys/${admin.id}`, { key: manager.key }),
    ];
    for (const response of attempts) {
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json().error).toMatchObject({ code: 'FORBIDDEN', details: { required_scope: 'admin' } });
    }
    expect(attempts[1]!.json().error.message).toBe('Only an admin key can rename an admin key.');
    expect((await call('GET', `/v1/api-keys/${admin.id}`)).json().name).toBe(admin.name);
    // The manage key still renames keys that are not admin keys, its own included; the admin key renames itself.
    expect((await call('PATCH', `/v1/api-keys/${manager.id}`, { key: manager.key, body: { name: 'manager 2' } })).statusCode).toBe(200);
    expect((await call('PATCH', `/v1/api-keys/${admin.id}`, { body: { name: admin.name } })).statusCode).toBe(200);
  });

  it('refuses expired keys and expiry dates in the past', async () => {
    const past = await call('POST', '/v1/api-keys', { body: { name: 'old', expires_at: '2001-01-01T00:00:00Z' } });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.details).toMatchObject({ field: 'expires_at' });
  });

  it('keeps projects apart: a project key sees neither other projects nor their keys', async () => {
    const other = (await call('POST', '/v1/projects', { body: { name: 'Other Team' } })).json();
    expect(other.slug).toBe('other-team');
    const otherManager = (await call('POST', '/v1/api-keys', { body: { name: 'other manager', scopes: ['manage'], project_id: other.id } })).json();
    expect(otherManager.project_id).toBe(other.id);

    const projects = (await call('GET', '/v1/projects', { key: otherManager.key })).json().items;
    expect(projects.map((p: { id: string }) => p.id)).toEqual([other.id]);

    const defaultProject = (await call('GET', '/v1/projects')).json().items.find((p: { slug: string }) => p.slug === 'default');
    for (const response of [
      await call('GET', `/v1/projects/${defaultProject.id}`, { key: otherManager.key }),
      await call('GET', `/v1/api-keys?project_id=${defaultProject.id}`, { key: otherManager.key }),
      await call('POST', '/v1/api-keys', { key: otherManager.key, body: { name: 'sneaky', project_id: defaultProject.id } }),
    ]) {
      expect(response.statusCode).toBe(404);
    }
    const defaultKeys = (await call('GET', '/v1/api-keys')).json().items as { id: string }[];
    const probe = await call('GET', `/v1/api-keys/${defaultKeys[0]?.id}`, { key: otherManager.key });
    expect(probe.statusCode).toBe(404);
    const revokeProbe = await call('DELETE', `/v1/api-keys/${defaultKeys[0]?.id}`, { key: otherManager.key });
    expect(revokeProbe.statusCode).toBe(404);

    // A manage key cannot mint admin keys or create projects.
    expect((await call('POST', '/v1/api-keys', { key: otherManager.key, body: { name: 'x', scopes: ['admin'] } })).statusCode).toBe(403);
    expect((await call('POST', '/v1/projects', { key: otherManager.key, body: { name: 'x' } })).statusCode).toBe(403);

    // Deleting a project removes its keys.
    expect((await call('DELETE', `/v1/projects/${other.id}`)).statusCode).toBe(204);
    expect((await call('GET', '/v1/projects', { key: otherManager.key })).statusCode).toBe(401);
  });

  it("refuses duplicate slugs and deleting the caller's own project", async () => {
    await call('POST', '/v1/projects', { body: { name: 'A', slug: 'team-a' } });
    const duplicate = await call('POST', '/v1/projects', { body: { name: 'B', slug: 'team-a' } });
    expect(duplicate.statusCode).toBe(409);
    const own = (await call('GET', '/v1/projects')).json().items.find((p: { slug: string }) => p.slug === 'default');
    expect((await call('DELETE', `/v1/projects/${own.id}`)).statusCode).toBe(409);
  });

  it('paginates with an opaque cursor', async () => {
    for (let i = 0; i < 5; i++) await call('POST', '/v1/projects', { body: { name: `Paged ${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; next_cursor: string | null } = (
        await call('GET', `/v1/projects?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(6);
    const bad = await call('GET', '/v1/projects?cursor=garbage');
    expect(bad.statusCode).toBe(400);
  });

  it('renames projects and keys', async () => {
    const project = (await call('POST', '/v1/projects', { body: { name: 'Before' } })).json();
    const renamed = await call('PATCH', `/v1/projects/${project.id}`, { body: { name: 'After' } });
    expect(renamed.json()).toMatchObject({ name: 'After', slug: project.slug });
    const key = (await call('POST', '/v1/api-keys', { body: { name: 'k1' } })).json();
    expect((await call('PATCH', `/v1/api-keys/${key.id}`, { body: { name: 'k2' } })).json().name).toBe('k2');
  });
});
