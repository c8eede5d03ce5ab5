import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { type JSONRPCMessage, Server } from '@modelcontextprotocol/server';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { NotificationChannel } from '../../src/db/index.js';
import { createSseDispatcher } from '../../src/mcp/sse-dispatch.js';
import { createSseHub } from '../../src/mcp/sse-hub.js';
import { createSseStore, type SseStore } from '../../src/mcp/sse-store.js';
import { createSwitchboardServer, type SwitchboardServer } from '../../src/server.js';
import { type BitbucketEmulator, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { connectBitbucketOnPage } from '../helpers/connect-flow.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: tool results are checked field by field
type Json = Record<string, any>;

const testEnv = { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' };

/** The data a Switchboard tool result carries (its text content is the JSON of it). */
function dataOf(result: unknown): Json {
  const content = (result as { content: { type: string; text: string }[] }).content;
  return JSON.parse(content[0]!.text);
}

interface SseOptions {
  headers?: Record<string, string>;
  /** Where the POSTs go (the stream is always opened with the global fetch). */
  postFetch?: typeof fetch;
}

/** The SDK v1 client over its legacy SSE transport, as deployed 2024-11-05 clients connect. */
async function connectSse(url: string, options: SseOptions = {}): Promise<Client> {
  const client = new Client({ name: 'switchboard-test-sse', version: '1.0.0' });
  await client.connect(
    new SSEClientTransport(new URL(url), {
      ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
      eventSourceInit: { fetch: (input, init) => fetch(input, init) },
      ...(options.postFetch ? { fetch: options.postFetch } : {}),
    }),
  );
  return client;
}

interface RawEvent {
  event: string;
  data: string;
}

/** A stream read by hand: its events (comments as event "comment") one by one. */
async function openRawStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  async function next(): Promise<RawEvent> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        if (lines.every((line) => line.startsWith(':'))) return { event: 'comment', data: lines.map((line) => line.slice(1).trim()).join('\n') };
        const field = (name: string) =>
          lines
            .filter((line) => line.startsWith(`${name}:`))
            .map((line) => line.slice(name.length + 1).trimStart())
            .join('\n');
        return { event: field('event') || 'message', data: field('data') };
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += value;
    }
  }
  /** The next message event (JSON-RPC), skipping comments. */
  async function nextMessage(): Promise<Json> {
    for (;;) {
      const event = await next();
      if (event.event === 'message') return JSON.parse(event.data);
    }
  }
  return { response, next, nextMessage, close: () => controller.abort() };
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const initialize = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe.skipIf(!testDatabaseAvailable())('legacy HTTP+SSE transport (2024-11-05)', () => {
  let t: TestServer;
  let bitbucket: BitbucketEmulator;
  let baseUrl: string;

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, key = t.adminKey) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });

  async function session(userId: string, extra: object = {}): Promise<Json> {
    const created = await api('POST', '/v1/sessions', { user_id: userId, toolkits: ['bitbucket'], ...extra });
    expect(created.statusCode, created.body).toBe(201);
    return created.json();
  }

  const sseUrlOf = (created: Json) => `${created.mcp.url}/sse`;

  async function streamRows(): Promise<number> {
    const result = (await t.server.database.db.execute(sql`select count(*)::int as n from mcp_sse_sessions`)) as unknown as { rows: { n: number }[] };
    return result.rows[0]!.n;
  }

  /** What an agent does through a session: list, search, get a link, have the user connect, execute. */
  async function fullFlow(client: Client) {
    const listed = await client.listTools();
    expect(listed.tools.map((tool) => tool.name)).toEqual([
      'search_tools',
      'get_tool_schemas',
      'manage_connections',
      'wait_for_connections',
      'multi_execute_tool',
    ]);

    const found = dataOf(await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'get the current Bitbucket user' }] } }));
    expect(found.results[0].tools[0]).toMatchObject({ tool_slug: 'BITBUCKET_GET_CURRENT_USER', toolkit: 'bitbucket', connected: false });

    const connection = dataOf(await client.callTool({ name: 'manage_connections', arguments: { toolkits: ['bitbucket'] } }));
    const link = connection.results.bitbucket;
    expect(link).toMatchObject({ status: 'initiated', redirect_url: expect.stringContaining('/connect/lt_') });
    // The user opens the link and types the email and API token.
    await connectBitbucketOnPage(link.redirect_url);

    const waited = dataOf(await client.callTool({ name: 'wait_for_connections', arguments: { toolkits: ['bitbucket'], timeout_seconds: 5 } }));
    expect(waited).toMatchObject({ done: true, results: { bitbucket: { connected: true, status: 'ACTIVE' } } });

    const executed = dataOf(
      await client.callTool({
        name: 'multi_execute_tool',
        arguments: {
          tools: [
            { tool_slug: 'BITBUCKET_GET_CURRENT_USER', arguments: {} },
            { tool_slug: 'BITBUCKET_LIST_WORKSPACES', arguments: {} },
          ],
        },
      }),
    );
    expect(executed).toMatchObject({ total_count: 2, success_count: 2, error_count: 0 });
    expect(executed.results[0].response).toMatchObject({ successful: true, data: { display_name: 'Dev Example' } });
  }

  beforeAll(async () => {
    bitbucket = await startBitbucketEmulator();
    t = await startTestServer({ env: testEnv });
    baseUrl = await t.server.listen();
    // The project connects Bitbucket through the emulator: accounts made through this config call it.
    const config = await api('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'basic', base_url: bitbucket.baseUrl });
    expect(config.statusCode, config.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await bitbucket?.close();
  });

  it('SDK v1 SSEClientTransport with the API key: lists, searches, connects through a link and executes a Bitbucket tool', async () => {
    const created = await session('sse-key');
    const client = await connectSse(sseUrlOf(created), { headers: created.mcp.headers });
    try {
      await fullFlow(client);
    } finally {
      await client.close();
    }
    // The stream's record goes with the stream.
    expect(await eventually(streamRows, (n) => n === 0)).toBe(0);
  });

  it('with the session URL token instead of headers (GET …/sse?token=)', async () => {
    const created = await session('sse-token');
    const token = new URL(created.mcp.token_url).searchParams.get('token')!;
    const raw = await openRawStream(`${sseUrlOf(created)}?token=${encodeURIComponent(token)}`);
    const endpoint = await raw.next();
    raw.close();
    expect(endpoint.event).toBe('endpoint');
    // The POSTs of a client without headers carry the token too.
    expect(endpoint.data).toMatch(new RegExp(`^/mcp/${created.session_id}/messages\\?sessionId=[0-9a-f-]{36}&token=`));

    const client = await connectSse(`${sseUrlOf(created)}?token=${encodeURIComponent(token)}`);
    try {
      await fullFlow(client);
    } finally {
      await client.close();
    }
  });

  it('the universal /sse with a user-bound key', async () => {
    const key = await api('POST', '/v1/api-keys', { name: 'agent of uni', user_id: 'sse-universal', scopes: ['tools:execute'] });
    expect(key.statusCode, key.body).toBe(201);
    const raw = await openRawStream(`${baseUrl}/sse`, { 'x-api-key': key.json().key });
    const endpoint = await raw.next();
    raw.close();
    expect(endpoint).toMatchObject({ event: 'endpoint', data: expect.stringMatching(/^\/messages\?sessionId=[0-9a-f-]{36}$/) });

    const client = await connectSse(`${baseUrl}/sse`, { headers: { 'x-api-key': key.json().key } });
    try {
      const listed = await client.listTools();
      expect(listed.tools.map((tool) => tool.name)).toContain('search_tools');
      const found = dataOf(await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'list Bitbucket workspaces' }] } }));
      expect(found.results[0].tools.map((tool: Json) => tool.tool_slug)).toContain('BITBUCKET_LIST_WORKSPACES');
    } finally {
      await client.close();
    }
  });

  it('tells the client when the session policy changes (notifications/tools/list_changed)', async () => {
    const created = await session('sse-changes');
    const client = await connectSse(sseUrlOf(created), { headers: created.mcp.headers });
    try {
      const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
      expect((await client.listTools()).tools).toHaveLength(5);
      const patched = await api('PATCH', `/v1/sessions/${created.session_id}`, { mode: 'direct' });
      expect(patched.statusCode, patched.body).toBe(200);
      await changed;
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('BITBUCKET_GET_CURRENT_USER');
    } finally {
      await client.close();
    }
  });

  it('bad input: wrong or missing key, another user or project, unknown or closed streams, malformed messages', async () => {
    const created = await session('sse-owner');
    const sseUrl = sseUrlOf(created);
    const headers = created.mcp.headers as Record<string, string>;

    // Opening a stream.
    const wrongKey = await fetch(sseUrl, { headers: { 'x-api-key': 'sk_wrong_0123456789abcdef' } });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get('www-authenticate')).toContain('Bearer');
    expect(await wrongKey.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, data: { code: 'UNAUTHENTICATED' } }, id: null });
    const noKey = await fetch(sseUrl);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as Json).error.message).toContain('token_url');
    const badToken = await fetch(`${sseUrl}?token=nope`);
    expect(badToken.status).toBe(401);
    await expect(connectSse(sseUrl, { headers: { 'x-api-key': 'sk_wrong_0123456789abcdef' } })).rejects.toMatchObject({ code: 401 });
    const unknownSession = await fetch(`${baseUrl}/mcp/trs_AAAAAAAAAAAAAAAAAAAA/sse`, { headers });
    expect(unknownSession.status).toBe(404);
    const paths = Object.keys((await t.server.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);
    expect(paths.filter((path) => path.includes('/sse') || path.includes('/messages') || path.startsWith('/mcp'))).toEqual([]);
    const rebinding = await t.server.app.inject({ method: 'GET', url: `/mcp/${created.session_id}/sse`, headers: { ...headers, host: 'evil.example' } });
    expect(rebinding.statusCode).toBe(403);

    // Another user's session: a key bound to another user, and that user's own session.
    const otherKey = (await api('POST', '/v1/api-keys', { name: 'other user', user_id: 'sse-intruder', scopes: ['tools:execute'] })).json().key as string;
    const otherUsers = await fetch(sseUrl, { headers: { 'x-api-key': otherKey } });
    expect(otherUsers.status).toBe(404);
    expect(await otherUsers.json()).toMatchObject({ error: { data: { code: 'NOT_FOUND' } } });
    // Another project's key.
    const project = await api('POST', '/v1/projects', { name: 'Other project' });
    expect(project.statusCode, project.body).toBe(201);
    const projectKey = await api('POST', '/v1/api-keys', { name: 'p2', scopes: ['tools:execute'], project_id: project.json().id });
    expect(projectKey.statusCode, projectKey.body).toBe(201);
    const otherProject = await fetch(sseUrl, { headers: { 'x-api-key': projectKey.json().key } });
    expect(otherProject.status).toBe(404);

    // Posting to a stream.
    const raw = await openRawStream(sseUrl, headers);
    expect(raw.response.status).toBe(200);
    expect(raw.response.headers.get('content-type')).toBe('text/event-stream');
    const endpoint = await raw.next();
    expect(endpoint.event).toBe('endpoint');
    const messagesUrl = new URL(endpoint.data, baseUrl).href;
    const post = (body: string, extra: Record<string, string> = headers, url = messagesUrl) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...extra }, body });

    const accepted = await post(JSON.stringify(initialize(1)));
    expect(accepted.status).toBe(202);
    expect(await raw.nextMessage()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2024-11-05', serverInfo: { name: 'switchboard' } } });

    const malformed = await post('{"jsonrpc": "2.0", "id": 2, "method": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700, data: { code: 'INVALID_JSON' } }, id: null });
    const notJsonRpc = await post(JSON.stringify({ hello: 'world' }));
    expect(notJsonRpc.status).toBe(400);
    expect(((await notJsonRpc.json()) as Json).error.code).toBe(-32600);
    const emptyBatch = await post('[]');
    expect(emptyBatch.status).toBe(400);
    const textPlain = await fetch(messagesUrl, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: JSON.stringify(initialize(3)) });
    expect(textPlain.status).toBe(415);

    const wrongPostKey = await post(JSON.stringify(initialize(4)), { 'x-api-key': 'sk_wrong_0123456789abcdef' });
    expect(wrongPostKey.status).toBe(401);
    const noPostKey = await post(JSON.stringify(initialize(4)), {});
    expect(noPostKey.status).toBe(401);
    // Another user's credentials on this stream: through the owner's session URL, and through their own session.
    const intruderOnOwner = await post(JSON.stringify(initialize(5)), { 'x-api-key': otherKey });
    expect(intruderOnOwner.status).toBe(404);
    const intruderSession = (await api('POST', '/v1/sessions', { toolkits: ['bitbucket'] }, otherKey)).json();
    const streamId = new URL(messagesUrl).searchParams.get('sessionId')!;
    const viaOwnSession = await post(
      JSON.stringify(initialize(6)),
      { 'x-api-key': otherKey },
      `${baseUrl}/mcp/${intruderSession.session_id}/messages?sessionId=${streamId}`,
    );
    expect(viaOwnSession.status).toBe(404);
    expect(await viaOwnSession.json()).toMatchObject({ error: { code: -32001, data: { code: 'NOT_FOUND' } } });
    // The universal endpoint's messages URL does not reach a session's stream either.
    const viaUniversal = await post(JSON.stringify(initialize(7)), { 'x-api-key': otherKey }, `${baseUrl}/messages?sessionId=${streamId}`);
    expect(viaUniversal.status).toBe(404);

    const missingId = await post(JSON.stringify(initialize(8)), headers, `${baseUrl}/mcp/${created.session_id}/messages`);
    expect(missingId.status).toBe(400);
    expect(((await missingId.json()) as Json).error.message).toContain('sessionId');
    for (const unknown of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await post(JSON.stringify(initialize(9)), headers, `${baseUrl}/mcp/${created.session_id}/messages?sessionId=${unknown}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, data: { code: 'NOT_FOUND' } }, id: null });
    }

    // Errors of the protocol itself travel on the stream.
    expect((await post(JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'no/such_method' }))).status).toBe(202);
    expect(await raw.nextMessage()).toMatchObject({ id: 10, error: { code: -32601 } });
    const call = (id: number, name: string, args: Json) =>
      post(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }));
    expect((await call(11, 'BITBUCKET_NOT_LISTED', {})).status).toBe(202);
    expect(await raw.nextMessage()).toMatchObject({ id: 11, error: { code: -32602, data: { code: 'TOOL_NOT_FOUND', tool: 'BITBUCKET_NOT_LISTED' } } });
    // Arguments the model can correct are a tool result marked isError, as on Streamable HTTP.
    expect((await call(15, 'multi_execute_tool', { tools: 'x' })).status).toBe(202);
    const invalid = await raw.nextMessage();
    expect(invalid).toMatchObject({ id: 15, result: { isError: true } });
    expect(dataOf(invalid.result)).toMatchObject({ successful: false, error_code: 'VALIDATION_FAILED' });
    // A batch is served whole; notifications get no answer.
    const batch = await post(
      JSON.stringify([
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 12, method: 'ping' },
        { jsonrpc: '2.0', id: 13, method: 'tools/list' },
      ]),
    );
    expect(batch.status).toBe(202);
    const answers = [await raw.nextMessage(), await raw.nextMessage()].sort((a, b) => a.id - b.id);
    expect(answers[0]).toMatchObject({ id: 12, result: {} });
    expect(answers[1]!.result.tools).toHaveLength(5);

    // A closed stream is gone for good.
    raw.close();
    const closed = await eventually(
      () => post(JSON.stringify({ jsonrpc: '2.0', id: 14, method: 'ping' })),
      (response) => response.status === 404,
    );
    expect(closed.status).toBe(404);
    expect(await closed.json()).toMatchObject({ error: { code: -32001, message: expect.stringContaining('/sse') } });

    // Deleting the session ends its open streams.
    const second = await openRawStream(sseUrl, headers);
    await second.next();
    expect((await api('DELETE', `/v1/sessions/${created.session_id}`)).statusCode).toBe(204);
    await expect(
      (async () => {
        for (;;) await second.next();
      })(),
    ).rejects.toThrow('the stream ended');
  });

  it('keeps the stream alive with comments and refreshes its record', async () => {
    const created = await session('sse-keepalive');
    const { createLegacySseTransport } = await import('../../src/mcp/index.js');
    const transport = createLegacySseTransport({
      router: t.server.router,
      tenancy: t.server.tenancy,
      db: t.server.database.db,
      vault: t.server.vault,
      notifications: t.server.database.notifications,
      publicUrl: () => baseUrl,
      keepAliveSeconds: 0.1,
    });
    const controller = new AbortController();
    try {
      const response = await transport.openStream(
        {
          method: 'GET',
          url: new URL(`${sseUrlOf(created)}`),
          headers: new Headers({ host: new URL(baseUrl).host, ...created.mcp.headers }),
          signal: controller.signal,
        },
        created.session_id,
      );
      expect(response.status).toBe(200);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes(': keep-alive\n\n')) text += (await reader.read()).value ?? '';
      expect(text).toMatch(/^event: endpoint\ndata: \/mcp\/trs_\w+\/messages\?sessionId=[0-9a-f-]{36}\n\n/);
      const beats = async () =>
        (
          (await t.server.database.db.execute(
            sql`select count(*)::int as n from mcp_sse_sessions where router_session_id = ${created.session_id} and heartbeat_at > created_at + interval '150 milliseconds'`,
          )) as unknown as { rows: { n: number }[] }
        ).rows[0]!.n;
      expect(await eventually(beats, (n) => n === 1)).toBe(1);
      controller.abort();
      const mine = async () =>
        (
          (await t.server.database.db.execute(
            sql`select count(*)::int as n from mcp_sse_sessions where router_session_id = ${created.session_id}`,
          )) as unknown as { rows: { n: number }[] }
        ).rows[0]!.n;
      expect(await eventually(mine, (n) => n === 0)).toBe(0);
    } finally {
      await transport.close();
    }
  });

  it('a server that closes ends its open streams (and, on PostgreSQL, deletes their records)', async () => {
    const other = await startTestServer();
    try {
      const otherUrl = await other.server.listen();
      const created = (
        await other.server.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': other.adminKey }, payload: { user_id: 'sse-shutdown' } })
      ).json();
      const raw = await openRawStream(`${otherUrl}/mcp/${created.session_id}/sse`, created.mcp.headers);
      expect((await raw.next()).event).toBe('endpoint');
      const head = await fetch(`${otherUrl}/mcp/${created.session_id}/sse`, { method: 'HEAD', headers: created.mcp.headers });
      // The route serves GET only: a HEAD must not open a stream, and is told which method is served.
      expect(head.status).toBe(405);
      expect(head.headers.get('allow')).toContain('GET');
      const db = other.server.database.db;
      expect(((await db.execute(sql`select count(*)::int as n from mcp_sse_sessions`)) as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
      const ended = (async () => {
        for (;;) await raw.next();
      })().catch((error: Error) => error.message);
      await other.server.close();
      expect(await ended).toBe('the stream ended');
      if (other.databaseUrl) {
        const client = new pg.Client({ connectionString: other.databaseUrl });
        await client.connect();
        const left = await client.query<{ n: number }>('select count(*)::int as n from mcp_sse_sessions');
        await client.end();
        expect(left.rows[0]!.n).toBe(0);
      }
    } finally {
      await other.close();
    }
  });

  describe('building blocks', () => {
    async function streamRecord(store: SseStore, instanceId: string) {
      const created = await session(`sse-block-${instanceId}`);
      const id = await store.create({
        projectId: await projectOf(created),
        routerSessionId: created.session_id,
        userId: created.user_id,
        instanceId,
      });
      return (await store.find(id, 60_000))!;
    }
    async function projectOf(created: Json): Promise<string> {
      const rows = (await t.server.database.db.execute(sql`select project_id from router_sessions where id = ${created.session_id}`)) as unknown as {
        rows: { project_id: string }[];
      };
      return rows.rows[0]!.project_id;
    }

    it('queued messages are encrypted at rest, bound to their stream', async () => {
      const store = createSseStore(t.server.database.db, t.server.vault);
      const record = await streamRecord(store, 'elsewhere');
      const secretText = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { link: 'https://x/connect/lt_secret-link-token' } });
      await store.enqueue(record.id, secretText);
      const rows = (await t.server.database.db.execute(sql`select payload from mcp_sse_messages where sse_session_id = ${record.id}`)) as unknown as {
        rows: { payload: string }[];
      };
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]!.payload).toMatch(/^q1\.mk_\w+\./);
      expect(rows.rows[0]!.payload).not.toContain('lt_secret');
      // Moved to another stream, it does not open.
      const other = await streamRecord(store, 'elsewhere-too');
      await t.server.database.db.execute(sql`update mcp_sse_messages set sse_session_id = ${other.id} where sse_session_id = ${record.id}`);
      const failures: Error[] = [];
      expect(await store.take([other.id], (error) => failures.push(error))).toEqual([]);
      expect(failures).toHaveLength(1);
      await store.enqueue(record.id, secretText);
      expect(await store.take([record.id], (error) => failures.push(error))).toEqual([{ sseSessionId: record.id, text: secretText }]);
      await store.remove([record.id, other.id]);
    });

    it('a lost notification is made up for by polling the queue, in order', async () => {
      const store = createSseStore(t.server.database.db, t.server.vault);
      // A shared channel that loses every notification.
      const lossy: NotificationChannel = { shared: true, listen: async () => async () => {}, notify: async () => {}, close: async () => {} };
      const options = { store, notifications: lossy, heartbeatMs: 60_000, staleAfterMs: 120_000, onerror: (error: Error) => failures.push(error) };
      const failures: Error[] = [];
      const holder = createSseHub({ ...options, pollMs: 100 });
      const sender = createSseHub({ ...options, pollMs: 60_000 });
      await holder.start();
      try {
        const created = await session('sse-poll');
        const id = await store.create({
          projectId: await projectOf(created),
          routerSessionId: created.session_id,
          userId: created.user_id,
          instanceId: holder.instanceId,
        });
        const received: string[] = [];
        holder.register(id, { send: (json) => received.push(json), comment: () => {}, end: () => {} });
        const record = (await store.find(id, 60_000))!;
        expect(sender.reachable(record)).toBe(true);
        for (let n = 1; n <= 5; n++) await sender.deliver(record, JSON.stringify({ jsonrpc: '2.0', id: n, result: {} }));
        await eventually(
          async () => received.length,
          (n) => n === 5,
        );
        expect(received.map((json) => JSON.parse(json).id)).toEqual([1, 2, 3, 4, 5]);
        expect(failures).toEqual([]);
        // A stream that ended takes nothing more: its record is gone with anything queued.
        holder.unregister(id);
        expect(
          await eventually(
            () => store.find(id, 60_000),
            (found) => found === undefined,
          ),
        ).toBeUndefined();
        await sender.deliver(record, JSON.stringify({ jsonrpc: '2.0', id: 6, result: {} }));
        expect(failures).toEqual([]);
      } finally {
        await holder.close();
        await sender.close();
      }
    });

    it('a cancelled request ends its server without an answer', async () => {
      const failures: Error[] = [];
      const dispatcher = createSseDispatcher((error) => failures.push(error));
      const server = new Server({ name: 'test', version: '1' }, { capabilities: { tools: {} } });
      let aborted = false;
      let closed = false;
      server.setRequestHandler('tools/call', async (_request, ctx) => {
        await new Promise<void>((resolve) =>
          ctx.mcpReq.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        );
        return { content: [] };
      });
      server.onclose = () => {
        closed = true;
      };
      const sent: JSONRPCMessage[] = [];
      const deliver = async (message: JSONRPCMessage) => {
        sent.push(message);
      };
      dispatcher.dispatch('stream', server, [{ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: {} } }], deliver);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const other = new Server({ name: 'test', version: '1' }, { capabilities: {} });
      dispatcher.dispatch(
        'stream',
        other,
        [{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'the user stopped it' } }],
        deliver,
      );
      expect(
        await eventually(
          async () => closed,
          (value) => value,
        ),
      ).toBe(true);
      expect(aborted).toBe(true);
      expect(sent).toEqual([]);
      await dispatcher.close();
      expect(failures).toEqual([]);
    });
  });

  describe.skipIf(testDatabaseKind() !== 'postgres')('two instances on one PostgreSQL database', () => {
    let second: SwitchboardServer;
    let secondUrl: string;
    let secondDir: string;

    beforeAll(async () => {
      secondDir = mkdtempSync(join(tmpdir(), 'switchboard-second-'));
      const config = loadConfig({
        cwd: secondDir,
        env: {
          SWITCHBOARD_DATA_DIR: secondDir,
          SWITCHBOARD_LOG_LEVEL: 'silent',
          SWITCHBOARD_MASTER_KEY: t.config.masterKey!,
          DATABASE_URL: t.databaseUrl!,
          SWITCHBOARD_PORT: '0',
          ...testEnv,
        },
      });
      second = await createSwitchboardServer(config);
      secondUrl = await second.listen();
    });
    afterAll(async () => {
      await second?.close();
      if (secondDir) rmSync(secondDir, { recursive: true, force: true });
    });

    /** POSTs meant for instance A, sent to instance B instead (no sticky sessions). */
    function toSecond(seen: string[]): typeof fetch {
      return (input, init) => {
        const url = new URL(String(input instanceof Request ? input.url : input));
        const target = new URL(`${url.pathname}${url.search}`, secondUrl);
        seen.push(target.href);
        return fetch(target, init);
      };
    }

    it('the stream on instance A, every POST on instance B: the answers arrive on A’s stream', async () => {
      const created = await session('sse-two-instances');
      const seen: string[] = [];
      const client = await connectSse(sseUrlOf(created), { headers: created.mcp.headers, postFetch: toSecond(seen) });
      try {
        await fullFlow(client);
      } finally {
        await client.close();
      }
      expect(seen.length).toBeGreaterThanOrEqual(6);
      for (const url of seen) expect(url.startsWith(`${secondUrl}/mcp/${created.session_id}/messages?sessionId=`)).toBe(true);
      // Nothing is left queued.
      const queued = (await t.server.database.db.execute(sql`select count(*)::int as n from mcp_sse_messages`)) as unknown as { rows: { n: number }[] };
      expect(queued.rows[0]!.n).toBe(0);
    });

    it('answers still arrive after A’s listening connection drops (reconnect, then the table is drained)', async () => {
      const created = await session('sse-listener-drop');
      const client = await connectSse(sseUrlOf(created), { headers: created.mcp.headers, postFetch: toSecond([]) });
      try {
        expect((await client.listTools()).tools).toHaveLength(5);
        const killed = (await t.server.database.db.execute(
          sql`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query ilike '%listen "switchboard_sse_%') t`,
        )) as unknown as { rows: { n: number }[] };
        expect(killed.rows[0]!.n).toBeGreaterThanOrEqual(1);
        const found = dataOf(await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'create a Bitbucket branch' }] } }));
        expect(found.results[0].tools.map((tool: Json) => tool.tool_slug)).toContain('BITBUCKET_CREATE_BRANCH');
      } finally {
        await client.close();
      }
    });

    it('a stream whose instance stopped is a 404 on the other one', async () => {
      const created = await session('sse-dead-instance');
      const raw = await openRawStream(`${secondUrl}/mcp/${created.session_id}/sse`, created.mcp.headers);
      const endpoint = await raw.next();
      // Instance B goes away without deleting the record (as a crash would): its heartbeat ages.
      await t.server.database.db.execute(sql`update mcp_sse_sessions set heartbeat_at = now() - interval '10 minutes'`);
      const response = await fetch(new URL(endpoint.data, baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...created.mcp.headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(response.status).toBe(404);
      raw.close();
    });
  });
});
