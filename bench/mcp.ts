// The MCP layer's cost: the same tool call through a session, over REST and over MCP (raw 2025-era
// JSON-RPC with an Mcp-Session-Id, and the SDK v2 client), and the size of a meta session's tools/list.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type Agent, request } from 'undici';
import { type LatencySeries, series } from './series.js';

export interface McpMeasurement {
  sessionRestOverHttp: LatencySeries;
  mcpJsonRpcOverHttp: LatencySeries;
  mcpSdkClient: LatencySeries;
  /** The same call through the Composio-compatible API (`POST /api/v3.1/tool_router/session/{id}/execute`). */
  composioRestOverHttp: LatencySeries;
  /** chars/4 of the `tools/list` result of a meta-tool session. */
  metaToolsListTokens: number;
}

export async function measureMcp(baseUrl: string, apiKey: string, agent: Agent, calls: number, log: (line: string) => void): Promise<McpMeasurement> {
  const headers = { 'content-type': 'application/json', 'x-api-key': apiKey };
  const create = async (mode: 'meta' | 'direct') => {
    const response = await request(`${baseUrl}/v1/sessions`, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body: JSON.stringify({ user_id: 'bench-user', toolkits: ['notes'], mode }),
    });
    return (await response.body.json()) as { session_id: string; mcp: { url: string } };
  };
  const direct = await create('direct');
  const meta = await create('meta');

  log('mcp: session execute over REST …');
  const restBody = JSON.stringify({ tool_slug: 'NOTES_GET_NOTE', arguments: { note_id: 1 } });
  const sessionRestOverHttp = await series(calls, async () => {
    const response = await request(`${baseUrl}/v1/sessions/${direct.session_id}/execute`, { method: 'POST', dispatcher: agent, headers, body: restBody });
    if (!((await response.body.json()) as { successful: boolean }).successful) throw new Error('session execute failed');
  });

  log('mcp: session execute through the Composio-compatible API …');
  const composio = await request(`${baseUrl}/api/v3.1/tool_router/session`, {
    method: 'POST',
    dispatcher: agent,
    headers,
    body: JSON.stringify({ user_id: 'bench-user', toolkits: { enable: ['notes'] }, manage_connections: { enable: true } }),
  });
  const composioSession = (await composio.body.json()) as { session_id: string };
  const composioRestOverHttp = await series(calls, async () => {
    const response = await request(`${baseUrl}/api/v3.1/tool_router/session/${composioSession.session_id}/execute`, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body: restBody,
    });
    if (((await response.body.json()) as { result_type: string }).result_type !== 'completed') throw new Error('Composio-compatible execute failed');
  });

  log('mcp: tools/call as raw JSON-RPC (2025-era, Mcp-Session-Id) …');
  const mcpHeaders = { ...headers, accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
  const initialized = await request(direct.mcp.url, {
    method: 'POST',
    dispatcher: agent,
    headers: mcpHeaders,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
    }),
  });
  const transportSession = String(initialized.headers['mcp-session-id']);
  await initialized.body.text();
  let id = 1;
  const mcpJsonRpcOverHttp = await series(calls, async () => {
    const response = await request(direct.mcp.url, {
      method: 'POST',
      dispatcher: agent,
      headers: { ...mcpHeaders, 'mcp-session-id': transportSession },
      body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name: 'NOTES_GET_NOTE', arguments: { note_id: 1 } } }),
    });
    const text = await response.body.text();
    if (!text.includes('"isError":false')) throw new Error(`MCP tools/call failed: ${text.slice(0, 200)}`);
  });

  log('mcp: tools/call with the SDK v2 client (2026-07-28) …');
  const client = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(direct.mcp.url), { requestInit: { headers: { 'x-api-key': apiKey } } }));
  const mcpSdkClient = await series(calls, async () => {
    const result = await client.callTool({ name: 'NOTES_GET_NOTE', arguments: { note_id: 1 } });
    if (result.isError) throw new Error('SDK tools/call failed');
  });
  await client.close();

  const metaClient = new Client({ name: 'bench-meta', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await metaClient.connect(new StreamableHTTPClientTransport(new URL(meta.mcp.url), { requestInit: { headers: { 'x-api-key': apiKey } } }));
  const metaToolsListTokens = Math.round(JSON.stringify(await metaClient.listTools()).length / 4);
  await metaClient.close();
  log(
    `mcp: REST p50 ${sessionRestOverHttp.p50Ms} ms, Composio-compatible REST p50 ${composioRestOverHttp.p50Ms} ms, MCP JSON-RPC p50 ${mcpJsonRpcOverHttp.p50Ms} ms, SDK client p50 ${mcpSdkClient.p50Ms} ms, meta tools/list ${metaToolsListTokens} tokens`,
  );
  return { sessionRestOverHttp, mcpJsonRpcOverHttp, mcpSdkClient, composioRestOverHttp, metaToolsListTokens };
}
