import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/** Clients hear `notifications/tools/list_changed` when a session's tool set changes: 2025-era on their GET stream, 2026-era on `subscriptions/listen`. */
describe.skipIf(!testDatabaseAvailable())('tools/list_changed', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
    await t.server.listen();
  });
  afterAll(async () => t?.close());

  it('is sent when a PATCH changes what tools/list shows, and the new list is served', async () => {
    const created = (
      await t.server.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'x-api-key': t.adminKey },
        payload: { user_id: 'listener', toolkits: ['bitbucket'], mode: 'direct' },
      })
    ).json();
    const client = new Client({ name: 'listener', version: '1.0.0' });
    let notified: () => void = () => {};
    const heard = new Promise<void>((resolve) => {
      notified = resolve;
    });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => notified());
    await client.connect(new StreamableHTTPClientTransport(new URL(created.mcp.url), { requestInit: { headers: { 'x-api-key': t.adminKey } } }));
    const before = (await client.listTools()).tools.map((tool) => tool.name);
    expect(before).toContain('BITBUCKET_CREATE_BRANCH');
    // Give the client a moment to open its GET stream before the change.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const patched = await t.server.app.inject({
      method: 'PATCH',
      url: `/v1/sessions/${created.session_id}`,
      headers: { 'x-api-key': t.adminKey },
      payload: { read_only: true, expected_version: created.version },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    await Promise.race([heard, new Promise((_, reject) => setTimeout(() => reject(new Error('no list_changed within 8 s')), 8000))]);
    const after = (await client.listTools()).tools.map((tool) => tool.name);
    expect(after).toContain('BITBUCKET_GET_CURRENT_USER');
    expect(after).not.toContain('BITBUCKET_CREATE_BRANCH');

    const stale = await t.server.app.inject({
      method: 'PATCH',
      url: `/v1/sessions/${created.session_id}`,
      headers: { 'x-api-key': t.adminKey },
      payload: { read_only: false, expected_version: created.version },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.message).toContain(`version ${created.version + 1}`);
    await client.close();
  });

  it('reaches a 2026-07-28 client on its subscriptions/listen stream', async () => {
    const created = (
      await t.server.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'x-api-key': t.adminKey },
        payload: { user_id: 'modern-listener', toolkits: ['bitbucket'], mode: 'direct' },
      })
    ).json();
    const client = new ClientV2({ name: 'modern-listener', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new TransportV2(new URL(created.mcp.url), { requestInit: { headers: { 'x-api-key': t.adminKey } } }));
    let notified: () => void = () => {};
    const heard = new Promise<void>((resolve) => {
      notified = resolve;
    });
    client.setNotificationHandler('notifications/tools/list_changed', () => notified());
    const subscription = await client.listen({ toolsListChanged: true });
    expect(subscription.honoredFilter.toolsListChanged).toBe(true);
    const patched = await t.server.app.inject({
      method: 'PATCH',
      url: `/v1/sessions/${created.session_id}`,
      headers: { 'x-api-key': t.adminKey },
      payload: { read_only: true },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    await Promise.race([heard, new Promise((_, reject) => setTimeout(() => reject(new Error('no list_changed within 8 s')), 8000))]);
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('BITBUCKET_CREATE_BRANCH');
    await subscription.close();
    await client.close();
  });
});
