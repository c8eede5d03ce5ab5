import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notesToolkit } from '../fixtures/notes-toolkit.js';
import { closedPort, type LoopbackServer, startLoopbackServer } from '../helpers/loopback-servers.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/**
 * A tool's upstream (on 127.0.0.2, the one allowed address) answers with redirects: followed when
 * they stay allowed, with the account's credentials kept to the upstream's own origin; refused
 * without a connection when they point at loopback in any spelling.
 */
describe.skipIf(!testDatabaseAvailable())('tool calls follow redirects only to allowed addresses', () => {
  let t: TestServer;
  let upstream: LoopbackServer;
  let elsewhere: LoopbackServer;
  let internal: LoopbackServer;
  let redirectTo = '';

  const execute = () =>
    t.server.app.inject({
      method: 'POST',
      url: '/v1/tools/NOTES_GET_NOTE/execute',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: 'alice', arguments: { note_id: 1 } },
    });

  beforeAll(async () => {
    [upstream, elsewhere, internal] = await Promise.all([
      startLoopbackServer('127.0.0.2', (request, response) => {
        if (request.url.startsWith('/acme/notes/1')) {
          response.writeHead(302, { location: redirectTo }).end();
        } else {
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1,"from":"upstream"}');
        }
      }),
      startLoopbackServer('127.0.0.2'),
      startLoopbackServer('127.0.0.1'),
    ]);
    t = await startTestServer({ toolkits: [notesToolkit], env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.2', SWITCHBOARD_TOOL_TIMEOUT_MS: '3000' } });
    const account = await t.server.app.inject({
      method: 'POST',
      url: '/v1/connected-accounts',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: 'alice', toolkit: 'notes', auth_scheme: 'bearer', credentials: { token: 'upstream-token' }, base_url: `${upstream.origin}/acme` },
    });
    expect(account.statusCode, account.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([upstream, elsewhere, internal].map((server) => server?.close()));
  });
  beforeEach(() => {
    for (const server of [upstream, elsewhere, internal]) server.requests.length = 0;
  });

  it.each([
    (port: number) => `http://127.0.0.1:${port}/admin`,
    (port: number) => `http://[::ffff:7f00:1]:${port}/admin`,
    (port: number) => `http://[64:ff9b::7f00:1]:${port}/admin`,
    (port: number) => `http://0x7f.1:${port}/admin`,
    () => 'http://169.254.169.254/latest/meta-data/',
  ])('refuses a redirect to loopback or metadata (%#) without connecting', async (target) => {
    redirectTo = target(internal.port);
    const response = await execute();
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().error.code).toBe('OUTBOUND_BLOCKED');
    expect(upstream.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
  });

  it('answers the same whether the blocked port listens or not', async () => {
    redirectTo = `http://127.0.0.1:${internal.port}/admin`;
    const listening = (await execute()).json().error;
    redirectTo = `http://127.0.0.1:${await closedPort('127.0.0.1')}/admin`;
    const nothing = (await execute()).json().error;
    const comparable = (error: { code: string; message: string; details: { host: string; address: string } }) => ({
      code: error.code,
      message: error.message,
      host: error.details.host,
      address: error.details.address,
    });
    expect(comparable(nothing)).toEqual(comparable(listening));
    expect(internal.requests).toHaveLength(0);
  });

  it('follows a redirect to an allowed origin without the account credentials', async () => {
    redirectTo = `${elsewhere.origin}/moved/1`;
    const response = await execute();
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ successful: true, data: { internal: true, path: '/moved/1' } });
    expect(upstream.requests[0]!.headers.authorization).toBe('Bearer upstream-token');
    expect(elsewhere.requests).toHaveLength(1);
    expect(elsewhere.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('keeps the credentials on a redirect within the same origin', async () => {
    redirectTo = `${upstream.origin}/acme/elsewhere`;
    const response = await execute();
    expect(response.json()).toMatchObject({ successful: true, data: { id: 1, from: 'upstream' } });
    expect(upstream.requests.map((request) => request.headers.authorization)).toEqual(['Bearer upstream-token', 'Bearer upstream-token']);
  });
});
