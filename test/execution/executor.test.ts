import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, notesToolkit, startScriptedUpstream } from '../fixtures/notes-toolkit.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

type Upstream = Awaited<ReturnType<typeof startScriptedUpstream>>;

describe.skipIf(!testDatabaseAvailable())('tool execution', () => {
  let t: TestServer;
  let upstream: Upstream;
  let accountId: string;

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });
  const execute = (slug: string, args: object, extra: object = {}) =>
    inject('POST', `/v1/tools/${slug}/execute`, { user_id: 'alice', arguments: args, ...extra });

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    t = await startTestServer({ toolkits: [notesToolkit], env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '1500' } });
    const account = await inject('POST', '/v1/connected-accounts', {
      user_id: 'alice',
      toolkit: 'notes',
      credentials: { tenant: 'acme', api_key: 'notes-secret-key-123' },
      base_url: `${upstream.url}/{tenant}`,
    });
    expect(account.statusCode).toBe(201);
    accountId = account.json().id;
    expect(account.json()).toMatchObject({ status: 'ACTIVE', is_default: true, credential_hints: { tenant: 'acme', api_key: '••••-123' } });
    expect(account.body).not.toContain('notes-secret-key-123');
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it('maps arguments into path variables from the connection, headers, and a pruned body', async () => {
    upstream.next(json(201, { id: 7, title: 'Hello' }));
    const response = await execute('NOTES_CREATE_NOTE', { title: 'Hello', tags: ['a'] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      successful: true,
      error: null,
      data: { note: { id: 7, title: 'Hello' }, status: 201 },
      log_id: expect.stringMatching(/^log_/),
    });
    const [sent] = upstream.requests;
    expect(sent).toMatchObject({ method: 'POST', url: '/acme/notes' });
    expect(sent!.headers['x-api-key']).toBe('notes-secret-key-123');
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent!.body)).toEqual({ title: 'Hello', meta: { tags: ['a'] }, literal: '$dollar' });
  });

  it('picks a path variant and repeats array query parameters', async () => {
    upstream.next(json(200, { id: 3 }), json(200, { id: 3, revision: 2 }));
    await execute('NOTES_GET_NOTE', { note_id: 3, fields: ['a', 'b'] });
    await execute('NOTES_GET_NOTE', { note_id: 3, revision: 2 });
    expect(upstream.requests.map((request) => request.url)).toEqual(['/acme/notes/3?fields=a&fields=b', '/acme/notes/3/revisions/2']);
  });

  it('keeps slashes of {+path} and returns binary bodies as base64', async () => {
    upstream.next((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]));
    });
    const response = await execute('NOTES_GET_FILE', { path: 'docs/a b.png' });
    expect(upstream.requests[0]!.url).toBe('/acme/files/docs/a%20b.png');
    expect(response.json().data).toEqual({
      content: { content_type: 'image/png', encoding: 'base64', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]).toString('base64') },
      path: 'docs/a b.png',
      size: 6,
    });
  });

  it('shapes an empty 204 into the declared output', async () => {
    upstream.next((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    expect((await execute('NOTES_DELETE_NOTE', { note_id: 1 })).json()).toMatchObject({ successful: true, data: { message: 'Note deleted.', success: true } });
  });

  it('names the bad field for missing and mistyped arguments, without calling upstream', async () => {
    const missing = await execute('NOTES_CREATE_NOTE', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { issues: [{ field: 'title', message: 'is required' }], log_id: expect.any(String) },
    });
    const wrongType = await execute('NOTES_GET_NOTE', { note_id: 'seven' });
    expect(wrongType.json().error.message).toContain('"note_id" must be integer');
    const unknown = await execute('NOTES_CREATE_NOTE', { title: 'x', colour: 'red' });
    expect(unknown.json().error.details.issues).toEqual([{ field: 'colour', message: 'is not an argument of this tool' }]);
    expect(upstream.requests).toHaveLength(0);
  });

  it('reports unknown tools and toolkits as typed 404s', async () => {
    const tool = await execute('NOTES_FLY', {});
    expect(tool.statusCode).toBe(404);
    expect(tool.json().error.code).toBe('TOOL_NOT_FOUND');
    const toolkit = await inject('GET', '/v1/tools?toolkit=nope');
    expect(toolkit.statusCode).toBe(404);
    expect(toolkit.json().error.code).toBe('TOOLKIT_NOT_FOUND');
  });

  it("says how to connect when the user has no account, and refuses another user's account", async () => {
    const response = await inject('POST', '/v1/tools/NOTES_GET_NOTE/execute', { user_id: 'bob', arguments: { note_id: 1 } });
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'NOT_CONNECTED', details: { toolkit: 'notes', user_id: 'bob' } });
    expect(response.json().error.message).toContain('/v1/connect-links');
    const stolen = await inject('POST', '/v1/tools/NOTES_GET_NOTE/execute', { user_id: 'bob', arguments: { note_id: 1 }, connected_account_id: accountId });
    expect(stolen.statusCode).toBe(404);
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a disabled account until it is enabled again', async () => {
    const disabled = await inject('POST', `/v1/connected-accounts/${accountId}/disable`);
    expect(disabled.json()).toMatchObject({ status: 'DISABLED', status_reason: 'disabled through the API' });
    const refused = await execute('NOTES_GET_NOTE', { note_id: 1 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'NOT_CONNECTED', details: { status: 'DISABLED' } });
    expect(upstream.requests).toHaveLength(0);
    expect((await inject('POST', `/v1/connected-accounts/${accountId}/enable`)).json().status).toBe('ACTIVE');
    upstream.next(json(200, { id: 1 }));
    expect((await execute('NOTES_GET_NOTE', { note_id: 1 })).json().successful).toBe(true);
  });

  it('returns upstream 4xx as an unsuccessful result carrying the upstream message', async () => {
    upstream.next(json(404, { type: 'error', error: { message: 'Note 9 not found' } }));
    const response = await execute('NOTES_GET_NOTE', { note_id: 9 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      successful: false,
      error_code: 'UPSTREAM_ERROR',
      error_details: { status: 404, upstream_message: 'Note 9 not found' },
    });
    expect(response.json().error).toContain('Note 9 not found');
  });

  it('follows a redirect it may follow, and reports a 3xx it cannot follow as an unsuccessful result naming the status', async () => {
    upstream.next(
      (_request, response) => {
        response.writeHead(307, { location: '/moved/notes/9' });
        response.end();
      },
      json(200, { id: 9 }),
    );
    expect((await execute('NOTES_GET_NOTE', { note_id: 9 })).json()).toMatchObject({ successful: true, data: { id: 9 } });

    for (const [status, location] of [
      [301, undefined],
      [300, 'http://choices.example/notes/9'],
    ] as const) {
      upstream.next((_request, response) => {
        response.writeHead(status, { ...(location ? { location } : {}), 'content-type': 'text/html' });
        response.end('<a href="elsewhere">moved</a>');
      });
      const response = await execute('NOTES_GET_NOTE', { note_id: 9 });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body, `${status}`).toMatchObject({ successful: false, error_code: 'UPSTREAM_ERROR', error_details: { status } });
      expect(body.error).toContain(`answered ${status}, a redirect`);
      if (location) expect(body.error_details.location_host).toBe('choices.example');
      expect(body.data).toBeNull();
    }
  });

  it('retries idempotent calls on 429/503 honouring Retry-After, but never retries a create', async () => {
    upstream.next(json(429, { message: 'slow down' }, { 'retry-after': '0' }), json(503, { message: 'busy' }), json(200, { id: 5 }));
    const retried = await execute('NOTES_GET_NOTE', { note_id: 5 });
    expect(retried.json()).toMatchObject({ successful: true, data: { id: 5 } });
    expect(upstream.requests).toHaveLength(3);

    upstream.requests.length = 0;
    upstream.next(json(503, { message: 'busy' }));
    const created = await execute('NOTES_CREATE_NOTE', { title: 'once' });
    expect(created.json()).toMatchObject({ successful: false, error_code: 'UPSTREAM_UNAVAILABLE' });
    expect(upstream.requests).toHaveLength(1);
  });

  it('does not wait out a Retry-After longer than the limit', async () => {
    upstream.next(json(429, { message: 'come back tomorrow' }, { 'retry-after': '86400' }));
    const response = await execute('NOTES_GET_NOTE', { note_id: 5 });
    expect(response.json()).toMatchObject({ successful: false, error_code: 'UPSTREAM_RATE_LIMITED', error_details: { retry_after: '86400' } });
    expect(upstream.requests).toHaveLength(1);
  });

  it('gives up on an upstream that never answers, within the deadline', async () => {
    upstream.next(() => {});
    const started = Date.now();
    const response = await execute('NOTES_CREATE_NOTE', { title: 'slow' });
    expect(response.json()).toMatchObject({ successful: false, error_code: 'UPSTREAM_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a refused connection as unavailable', async () => {
    const closed = await startScriptedUpstream();
    await closed.close();
    const account = await inject('POST', '/v1/connected-accounts', {
      user_id: 'carol',
      toolkit: 'notes',
      credentials: { tenant: 'acme' },
      base_url: `${closed.url}/{tenant}`,
    });
    expect(account.statusCode).toBe(201);
    const response = await inject('POST', '/v1/tools/NOTES_CREATE_NOTE/execute', { user_id: 'carol', arguments: { title: 'x' } });
    expect(response.json()).toMatchObject({ successful: false, error_code: 'UPSTREAM_UNAVAILABLE', error_details: { network_error: 'ECONNREFUSED' } });
  });

  it('reports pagination hints of tools that declare them', async () => {
    const definition = {
      slug: 'pager',
      name: 'Pager',
      version: '1.0.0',
      description: 'A paginated list over the scripted upstream.',
      base_url: upstream.url,
      auth: [{ type: 'none' }],
      tools: [
        {
          slug: 'PAGER_LIST',
          name: 'List',
          description: 'Lists items one page at a time.',
          annotations: { readOnlyHint: true },
          input_schema: { type: 'object', properties: { page: { type: 'integer' } } },
          request: { method: 'GET', path: '/items', query: { page: '$page' } },
          response: { pagination: { style: 'link', next: '$body.next' } },
        },
      ],
    };
    expect((await inject('POST', '/v1/toolkits', definition)).statusCode).toBe(200);
    upstream.next(json(200, { values: [1], next: `${upstream.url}/items?page=2` }), json(200, { values: [2] }));
    const first = (await execute('PAGER_LIST', {})).json();
    expect(first).toMatchObject({ successful: true, pagination: { style: 'link', has_more: true, next: `${upstream.url}/items?page=2` } });
    const last = (await execute('PAGER_LIST', { page: 2 })).json();
    expect(last.pagination).toEqual({ style: 'link', has_more: false, next: null });
  });

  it('turns a garbage JSON body into a typed error', async () => {
    upstream.next((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('<html>oops');
    });
    const response = await execute('NOTES_CREATE_NOTE', { title: 'x' });
    expect(response.json()).toMatchObject({ successful: false, error_code: 'UPSTREAM_INVALID_RESPONSE' });
  });

  it('records every outcome in the audit log without arguments or secrets', async () => {
    upstream.next(json(201, { id: 1 }));
    const ok = (await execute('NOTES_CREATE_NOTE', { title: 'audited', password: 'hunter2-password' })).json();
    const bad = (await execute('NOTES_CREATE_NOTE', {})).json();
    const okLog = (await inject('GET', `/v1/execution-logs/${ok.log_id}`)).json();
    expect(okLog).toMatchObject({
      tool_slug: 'NOTES_CREATE_NOTE',
      toolkit: 'notes',
      user_id: 'alice',
      connected_account_id: accountId,
      successful: true,
      http_status: 201,
      attempts: 1,
      arguments_digest: expect.stringMatching(/^sha256:/),
    });
    expect(okLog.request_bytes).toBeGreaterThan(0);
    const badLog = (await inject('GET', `/v1/execution-logs/${bad.error.details.log_id}`)).json();
    expect(badLog).toMatchObject({ successful: false, error_code: 'VALIDATION_FAILED' });
    const all = await inject('GET', '/v1/execution-logs?limit=200');
    expect(all.body).not.toContain('hunter2-password');
    expect(all.body).not.toContain('audited');
    expect(all.body).not.toContain('notes-secret-key-123');
  });
});

describe.skipIf(!testDatabaseAvailable())('outbound safety', () => {
  let t: TestServer;
  let upstream: Upstream;
  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    t = await startTestServer({ toolkits: [notesToolkit] });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });

  it('refuses loopback, private, link-local and metadata addresses unless allowed', async () => {
    const headers = { 'x-api-key': t.adminKey };
    for (const base of [
      `${upstream.url}/{tenant}`,
      'http://localhost:9/{tenant}',
      'http://169.254.169.254/{tenant}',
      'http://10.1.2.3/{tenant}',
      'http://[::1]:9/{tenant}',
    ]) {
      const account = await t.server.app.inject({
        method: 'POST',
        url: '/v1/connected-accounts',
        headers,
        payload: { user_id: `u-${base.length}-${Math.random()}`, toolkit: 'notes', credentials: { tenant: 'acme' }, base_url: base },
      });
      const userId = account.json().user_id;
      const response = await t.server.app.inject({
        method: 'POST',
        url: '/v1/tools/NOTES_GET_NOTE/execute',
        headers,
        payload: { user_id: userId, arguments: { note_id: 1 } },
      });
      expect(response.statusCode, base).toBe(403);
      expect(response.json().error.code).toBe('OUTBOUND_BLOCKED');
      expect(response.json().error.message).toContain('SWITCHBOARD_ALLOW_PRIVATE_NETWORKS');
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a project toolkit whose own base URL is on loopback', async () => {
    const headers = { 'x-api-key': t.adminKey };
    const definition = {
      slug: 'local_api',
      name: 'Local API',
      version: '1.0.0',
      description: 'A toolkit pointing at a loopback address.',
      base_url: upstream.url,
      auth: [{ type: 'none' }],
      tools: [
        {
          slug: 'LOCAL_API_PING',
          name: 'Ping',
          description: 'Calls the loopback service.',
          input_schema: { type: 'object', properties: {} },
          request: { method: 'GET', path: '/ping' },
        },
      ],
    };
    expect((await t.server.app.inject({ method: 'POST', url: '/v1/toolkits', headers, payload: definition })).statusCode).toBe(200);
    const response = await t.server.app.inject({ method: 'POST', url: '/v1/tools/LOCAL_API_PING/execute', headers, payload: { user_id: 'anyone' } });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ code: 'OUTBOUND_BLOCKED', details: { address: '127.0.0.1' } });
    expect(upstream.requests).toHaveLength(0);
  });
});
