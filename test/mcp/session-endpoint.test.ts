import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitbucketEmulator, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { connectBitbucketOnPage } from '../helpers/connect-flow.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: tool results are checked field by field
type Json = Record<string, any>;

interface McpClient {
  listTools(): Promise<{ tools: { name: string; inputSchema: unknown }[] }>;
  callTool(request: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

/** The data a Switchboard tool result carries (its text content is the JSON of it). */
function dataOf(result: unknown): Json {
  const content = (result as { content: { type: string; text: string }[] }).content;
  return JSON.parse(content[0]!.text);
}

/**
 * A session's MCP endpoint with the two official TypeScript SDKs: v1 (2025-era protocol, what most
 * deployed clients speak) and v2 (2026-07-28). Each lists the meta-tools, searches, gets a connect
 * link, has the user connect on the connect page, then runs a Bitbucket tool against the emulator.
 */
describe.skipIf(!testDatabaseAvailable())('session MCP endpoint with the SDK clients', () => {
  let t: TestServer;
  let bitbucket: BitbucketEmulator;
  let baseUrl: string;

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });

  async function session(userId: string, extra: object = {}): Promise<Json> {
    const created = await api('POST', '/v1/sessions', { user_id: userId, toolkits: ['bitbucket'], ...extra });
    expect(created.statusCode, created.body).toBe(201);
    return created.json();
  }

  const clients: Record<string, (url: string, headers: Record<string, string>) => Promise<McpClient>> = {
    'SDK v1 (2025-era)': async (url, headers) => {
      const client = new ClientV1({ name: 'switchboard-test-v1', version: '1.0.0' });
      await client.connect(new TransportV1(new URL(url), { requestInit: { headers } }));
      return client as unknown as McpClient;
    },
    'SDK v2 (2026-07-28)': async (url, headers) => {
      const client = new ClientV2({ name: 'switchboard-test-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new TransportV2(new URL(url), { requestInit: { headers } }));
      if (client.getProtocolEra() !== 'modern') throw new Error('the SDK v2 client did not negotiate 2026-07-28');
      return client as unknown as McpClient;
    },
  };

  beforeAll(async () => {
    bitbucket = await startBitbucketEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' } });
    baseUrl = await t.server.listen();
    // The project connects Bitbucket through the emulator: accounts made through this config call it.
    const config = await api('POST', '/v1/auth-configs', { toolkit: 'bitbucket', scheme: 'basic', base_url: bitbucket.baseUrl });
    expect(config.statusCode, config.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await bitbucket?.close();
  });

  for (const [name, connect] of Object.entries(clients)) {
    it(`${name}: lists, searches, connects through a link and executes a Bitbucket tool`, async () => {
      const user = `mcp-${name.slice(4, 6)}`;
      const created = await session(user);
      expect(created.mcp).toMatchObject({ type: 'http', url: `${baseUrl}/mcp/${created.session_id}`, headers: { 'x-api-key': t.adminKey } });
      const client = await connect(created.mcp.url, created.mcp.headers);
      try {
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

        const notYet = dataOf(
          await client.callTool({ name: 'multi_execute_tool', arguments: { tools: [{ tool_slug: 'BITBUCKET_GET_CURRENT_USER', arguments: {} }] } }),
        );
        expect(notYet.results[0].error).toContain('POST /v1/connect-links');

        const connection = dataOf(await client.callTool({ name: 'manage_connections', arguments: { toolkits: ['bitbucket'] } }));
        const link = connection.results.bitbucket;
        expect(link).toMatchObject({ status: 'initiated', redirect_url: expect.stringContaining('/connect/lt_') });
        const accountId = link.connected_account_id;
        await api('PATCH', `/v1/connected-accounts/${accountId}`, { alias: 'work' });
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
                { tool_slug: 'BITBUCKET_NOT_A_TOOL', arguments: {} },
              ],
            },
          }),
        );
        expect(executed).toMatchObject({ total_count: 3, success_count: 2, error_count: 1 });
        expect(executed.results.map((result: Json) => result.index)).toEqual([0, 1, 2]);
        expect(executed.results[0].response).toMatchObject({ successful: true, data: { display_name: 'Dev Example' } });
        expect(executed.results[2].error).toContain('BITBUCKET_NOT_A_TOOL');
      } finally {
        await client.close();
      }
    });
  }
});
