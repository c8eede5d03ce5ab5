import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../src/auth/index.js';
import { childEnv, createSandbox, type RunningServer, type Sandbox, startServer, stopAll } from '../helpers/process.js';
import { createTestDatabase, type TestDatabase, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

/** A loopback proxy that sends each request to the next upstream in turn: no two consecutive requests reach the same instance. */
async function startRoundRobinProxy(upstreams: string[]): Promise<{ url: string; served: string[]; close(): Promise<void> }> {
  const served: string[] = [];
  let next = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const target = new URL(incoming.url ?? '/', upstreams[next++ % upstreams.length]);
    served.push(target.origin);
    const forwarded = httpRequest(target, { method: incoming.method, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const textOf = (result: unknown) => JSON.parse((result as { content: { text: string }[] }).content[0]!.text);

/** Two `switchboard serve` processes on one PostgreSQL database behind a round-robin proxy: any instance serves any request of a session. */
describe.skipIf(!testDatabaseAvailable() || testDatabaseKind() !== 'postgres')('MCP across instances', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let instances: RunningServer[];
  let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>>;
  let adminKey: string;
  let sessionPath: string;

  beforeAll(async () => {
    sandbox = createSandbox();
    database = await createTestDatabase();
    const env = childEnv(sandbox, { DATABASE_URL: database.databaseUrl, SWITCHBOARD_MASTER_KEY: generateMasterKey() });
    const first = await startServer({ dataDir: sandbox.dataDir('a'), env });
    const second = await startServer({ dataDir: sandbox.dataDir('b'), env });
    instances = [first, second];
    adminKey = readFileSync(join(first.dataDir, 'admin-key'), 'utf8').trim();
    proxy = await startRoundRobinProxy(instances.map((instance) => instance.url));
    const created = await fetch(`${first.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'x-api-key': adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'roaming', toolkits: ['bitbucket', 'backendless'] }),
    });
    expect(created.status).toBe(201);
    sessionPath = new URL(((await created.json()) as { mcp: { url: string } }).mcp.url).pathname;
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await stopAll();
    await database?.drop();
    sandbox?.remove();
  });

  it('sees a change made through the other instance at once: a revoked key, a changed session policy', async () => {
    const [a, b] = instances as [RunningServer, RunningServer];
    const call = (base: string, path: string, key: string, init: { method?: string; body?: unknown } = {}) =>
      fetch(`${base}${path}`, {
        method: init.method ?? 'GET',
        headers: { 'x-api-key': key, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });
    const created = (await (
      await call(a.url, '/v1/api-keys', adminKey, { method: 'POST', body: { name: 'short-lived', scopes: ['tools:execute'] } })
    ).json()) as {
      id: string;
      key: string;
    };
    // Both instances have the key cached once it was used through them.
    const session = (await (
      await call(b.url, '/v1/sessions', created.key, { method: 'POST', body: { user_id: 'cached', toolkits: ['bitbucket'], mode: 'direct' } })
    ).json()) as { session_id: string; version: number };
    expect((await call(a.url, `/v1/sessions/${session.session_id}`, created.key)).status).toBe(200);
    expect((await call(b.url, `/v1/sessions/${session.session_id}`, created.key)).status).toBe(200);

    const patched = await call(a.url, `/v1/sessions/${session.session_id}`, adminKey, { method: 'PATCH', body: { read_only: true } });
    expect(patched.status).toBe(200);
    const seenByB = (await (await call(b.url, `/v1/sessions/${session.session_id}`, adminKey)).json()) as { version: number; tools: string[] };
    expect(seenByB.version).toBe(session.version + 1);
    expect(seenByB.tools).not.toContain('BITBUCKET_CREATE_BRANCH');

    expect((await call(a.url, `/v1/api-keys/${created.id}`, adminKey, { method: 'DELETE' })).status).toBe(200);
    // NOTIFY reaches B within milliseconds; allow a moment on a loaded machine.
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 401; attempt++) {
      status = (await call(b.url, `/v1/sessions/${session.session_id}`, created.key)).status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(401);
  });

  it('keeps a 2025-era session (Mcp-Session-Id) going while its requests alternate between the instances', async () => {
    proxy.served.length = 0;
    const transport = new TransportV1(new URL(`${proxy.url}${sessionPath}`), { requestInit: { headers: { 'x-api-key': adminKey } } });
    const client = new ClientV1({ name: 'roaming-v1', version: '1.0.0' });
    await client.connect(transport);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const sessionId = transport.sessionId;
    for (let turn = 0; turn < 3; turn++) {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('multi_execute_tool');
      const found = textOf(await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'list files in a Backendless folder' }] } }));
      expect(found.results[0].tools[0].toolkit).toBe('backendless');
    }
    expect(transport.sessionId).toBe(sessionId);
    expect(new Set(proxy.served)).toEqual(new Set(instances.map((instance) => instance.url)));
    await transport.terminateSession();
    // The DELETE reached one instance; the other no longer knows the session either.
    const after = await fetch(`${proxy.url}${sessionPath}`, {
      method: 'POST',
      headers: { 'x-api-key': adminKey, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
    await client.close();
  });

  it('serves a 2026-07-28 client through both instances', async () => {
    proxy.served.length = 0;
    const client = new ClientV2({ name: 'roaming-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new TransportV2(new URL(`${proxy.url}${sessionPath}`), { requestInit: { headers: { 'x-api-key': adminKey } } }));
    for (let turn = 0; turn < 2; turn++) {
      const schemas = textOf(await client.callTool({ name: 'get_tool_schemas', arguments: { tool_slugs: ['BITBUCKET_CREATE_BRANCH'] } }));
      expect(schemas.tool_schemas.BITBUCKET_CREATE_BRANCH.toolkit).toBe('bitbucket');
    }
    expect(new Set(proxy.served).size).toBe(2);
    await client.close();
  });
});
