import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

const errorShape = {
  error: expect.objectContaining({ code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String), request_id: expect.any(String) }),
};

describe.skipIf(!testDatabaseAvailable())('bad input gets documented 4xx errors and changes nothing', () => {
  let t: TestServer;
  const inject = (options: InjectOptions) => t.server.app.inject(options);

  beforeAll(async () => {
    t = await startTestServer({ env: { SWITCHBOARD_BODY_LIMIT: '4096' } });
  });
  afterAll(async () => t?.close());

  const cases: { name: string; request: () => InjectOptions; status: number; code: string }[] = [
    { name: 'unknown route', request: () => ({ method: 'GET', url: '/v1/nothing-here' }), status: 404, code: 'ROUTE_NOT_FOUND' },
    { name: 'unknown method on a known path', request: () => ({ method: 'PUT', url: '/v1/projects' }), status: 405, code: 'METHOD_NOT_ALLOWED' },
    { name: 'TRACE on a known path', request: () => ({ method: 'TRACE' as 'GET', url: '/v1/projects/proj_x' }), status: 405, code: 'METHOD_NOT_ALLOWED' },
    {
      name: 'a path parameter over 200 characters, before authentication',
      request: () => ({ method: 'GET', url: `/v1/api-keys/${'a'.repeat(201)}` }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    { name: 'a URL that does not decode', request: () => ({ method: 'GET', url: '/v1/projects/%E0%A4%A' }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'missing key', request: () => ({ method: 'GET', url: '/v1/projects' }), status: 401, code: 'UNAUTHENTICATED' },
    {
      name: 'malformed key',
      request: () => ({ method: 'GET', url: '/v1/projects', headers: { 'x-api-key': 'hello' } }),
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'well-formed but unknown key',
      request: () => ({ method: 'GET', url: '/v1/projects', headers: { 'x-api-key': `sk_${'a'.repeat(42)}` } }),
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'right prefix, wrong secret',
      request: () => ({ method: 'GET', url: '/v1/projects', headers: { 'x-api-key': `${t.adminKey.slice(0, 13)}${'b'.repeat(32)}` } }),
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'malformed JSON',
      request: () => ({ method: 'POST', url: '/v1/projects', headers: { 'x-api-key': t.adminKey, 'content-type': 'application/json' }, payload: '{"name": ' }),
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'empty JSON body',
      request: () => ({ method: 'POST', url: '/v1/projects', headers: { 'x-api-key': t.adminKey, 'content-type': 'application/json' }, payload: '' }),
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'wrong type',
      request: () => ({ method: 'POST', url: '/v1/api-keys', headers: { 'x-api-key': t.adminKey }, payload: { name: 'x', scopes: 'admin' } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'unknown scope',
      request: () => ({ method: 'POST', url: '/v1/api-keys', headers: { 'x-api-key': t.adminKey }, payload: { name: 'x', scopes: ['root'] } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'unknown field',
      request: () => ({ method: 'POST', url: '/v1/projects', headers: { 'x-api-key': t.adminKey }, payload: { name: 'x', owner: 'me' } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'bad query parameter',
      request: () => ({ method: 'GET', url: '/v1/projects?limit=100000', headers: { 'x-api-key': t.adminKey } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'oversized body',
      request: () => ({ method: 'POST', url: '/v1/projects', headers: { 'x-api-key': t.adminKey }, payload: { name: 'x'.repeat(10_000) } }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'unsupported content type',
      request: () => ({ method: 'POST', url: '/v1/projects', headers: { 'x-api-key': t.adminKey, 'content-type': 'application/xml' }, payload: '<name/>' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ];

  for (const { name, request, status, code } of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const response = await inject(request());
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(response.json()).toMatchObject(errorShape);
      expect(response.json().error.code).toBe(code);
    });
  }

  it('answers a method a path does not serve with 405 and an Allow header naming those it does, over a real socket too', async () => {
    const put = await inject({ method: 'PUT', url: '/v1/api-keys/key_x/', headers: { 'x-api-key': t.adminKey } });
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('DELETE, GET, HEAD, PATCH');
    expect(put.json().error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', details: { method: 'PUT', allowed: ['DELETE', 'GET', 'HEAD', 'PATCH'] } });
    const url = await t.server.listen();
    const trace = await new Promise<{ status: number; allow: unknown; body: string }>((resolve, reject) => {
      const sent = httpRequest(`${url}/v1/projects`, { method: 'TRACE' }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, allow: response.headers.allow, body }));
      });
      sent.on('error', reject).end();
    });
    expect(trace.status).toBe(405);
    expect(trace.allow).toBe('GET, HEAD, POST');
    expect(JSON.parse(trace.body)).toMatchObject(errorShape);
  });

  it('names the offending field in validation errors', async () => {
    const response = await inject({ method: 'POST', url: '/v1/api-keys', headers: { 'x-api-key': t.adminKey }, payload: { name: 42 } });
    expect(response.json().error.message).toContain('body.name');
    expect(response.json().error.details.issues[0].field).toBe('body.name');
  });

  it('echoes a caller request id and makes one otherwise', async () => {
    const echoed = await inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const made = await inject({ method: 'GET', url: '/v1/projects' });
    expect(made.headers['x-request-id']).toMatch(/^req_/);
    expect(made.json().error.request_id).toBe(made.headers['x-request-id']);
  });

  it('survives a few hundred generated malformed requests with no 5xx and no writes', async () => {
    const countRows = async () => {
      const projects = (await inject({ method: 'GET', url: '/v1/projects?limit=200', headers: { 'x-api-key': t.adminKey } })).json().items.length;
      const keys = (await inject({ method: 'GET', url: '/v1/api-keys?limit=200&include_revoked=true', headers: { 'x-api-key': t.adminKey } })).json().items
        .length;
      return { projects, keys };
    };
    const before = await countRows();

    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ name: fc.anything(), scopes: fc.anything(), slug: fc.anything(), project_id: fc.anything() }).map((v) => {
        try {
          return JSON.stringify(v);
        } catch {
          return '{';
        }
      }),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD'),
      path: fc.oneof(
        fc.constantFrom('/v1/projects', '/v1/api-keys', '/v1/projects/', '/v1/api-keys/key_x', '/v1/projects/proj_%00', '/health', '/docs', '/v1/'),
        fc.webPath(),
        fc.string().map((s) => `/v1/${encodeURIComponent(s)}`),
      ),
      query: fc.option(fc.webQueryParameters(), { nil: undefined }),
      key: fc.constantFrom('none', 'garbage', 'wrong-secret', 'bearer-garbage'),
      contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined),
      body: fc.option(jsonish, { nil: undefined }),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.key === 'garbage') headers['x-api-key'] = 'sk_garbage';
        if (r.key === 'wrong-secret') headers['x-api-key'] = `${t.adminKey.slice(0, 13)}${'Z'.repeat(32)}`;
        if (r.key === 'bearer-garbage') headers.authorization = 'Bearer \u0000\u00ff';
        if (r.contentType) headers['content-type'] = r.contentType;
        const response = await inject({
          method: r.method as InjectOptions['method'],
          url: `${r.path.startsWith('/') ? r.path : `/${r.path}`}${r.query ? `?${r.query}` : ''}`,
          headers,
          ...(r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD' ? { payload: r.body } : {}),
        });
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400 && r.method !== 'HEAD') expect(response.json()).toMatchObject(errorShape);
      }),
      { numRuns: 300 },
    );

    // Authenticated malformed writes: each must fail whole or succeed whole.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/projects', '/v1/api-keys'),
        fc.record({ name: fc.anything(), scopes: fc.anything(), expires_at: fc.anything(), slug: fc.anything() }, { requiredKeys: [] }),
        async (path, payload) => {
          let body: string;
          try {
            body = JSON.stringify(payload);
          } catch {
            body = '{';
          }
          const response = await inject({ method: 'POST', url: path, headers: { 'x-api-key': t.adminKey, 'content-type': 'application/json' }, payload: body });
          expect(response.statusCode).toBeLessThan(500);
          if (response.statusCode === 201) {
            // A valid body slipped through: undo so the write count stays comparable.
            const created = response.json();
            await inject({ method: 'DELETE', url: `${path}/${created.id}`, headers: { 'x-api-key': t.adminKey } });
          }
        },
      ),
      { numRuns: 150 },
    );

    const after = await countRows();
    expect(after.projects).toBe(before.projects);
    // Keys created by accident above are revoked, not deleted, so count those separately.
    expect(after.keys).toBeGreaterThanOrEqual(before.keys);
    const health = await inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  }, 120_000);
});

describe.skipIf(!testDatabaseAvailable())('rate limit', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SWITCHBOARD_RATE_LIMIT: '5' } });
  });
  afterAll(async () => t?.close());

  it('returns 429 with Retry-After once a key spends its budget, per key', async () => {
    const get = (key: string) => t.server.app.inject({ method: 'GET', url: '/v1/projects', headers: { 'x-api-key': key } });
    const other = (
      await t.server.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { 'x-api-key': t.adminKey }, payload: { name: 'other', scopes: ['manage'] } })
    ).json().key as string;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(t.adminKey)).statusCode);
    expect(statuses.slice(0, 4).every((s) => s === 200)).toBe(true);
    const limited = await get(t.adminKey);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_s: expect.any(Number) } });
    expect((await get(other)).statusCode).toBe(200);
    // Health checks are not rate limited.
    for (let i = 0; i < 10; i++) expect((await t.server.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
