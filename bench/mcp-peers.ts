// Switchboard beside other MCP servers on the same loopback API: tools/call throughput at 50 calls
// in flight, the server's CPU per call (from /proc), and tools/list requests/s at 1/10/50
// connections. Every server exposes the API's one operation as a tool over Streamable HTTP
// (2025-06-18, Mcp-Session-Id); the load generator is autocannon in this process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createDataDir } from './data-dirs.js';
import { itemToolArguments, type LoopbackApi, startLoopbackApi } from './peers/loopback-api.js';
import { ensurePeersInstalled, type McpTarget, processCpuMs, processRssMb, startBareSdkServer, startIvotobyServer } from './peers/mcp-targets.js';
import type { DatabaseKind } from './report.js';
import { startServer } from './server-process.js';

export const peerLoadSettings = { callConnections: 50, listConnections: [1, 10, 50], durationSeconds: 8, warmupSeconds: 2 } as const;

export interface ToolsCallLoad {
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (user + system) per tools/call answered, in ms. */
  cpuMsPerCall: number;
  /** Calls the upstream API saw, compared to the answers: each answer must have made one upstream call. */
  upstreamCalls: number;
  failures: number;
}

export interface PeerMeasurement {
  target: string;
  database?: DatabaseKind;
  toolsCall: ToolsCallLoad;
  toolsList: { connections: number; requestsPerSecond: number; p50Ms: number; failures: number }[];
  /** RSS after start-up and after the load, MB. */
  idleRssMb: number;
  loadedRssMb: number;
}

const protocolVersion = '2025-06-18';

function mcpHeaders(target: McpTarget, sessionId?: string): Record<string, string> {
  return {
    ...target.headers,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': protocolVersion,
    ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
  };
}

async function post(url: string, headers: Record<string, string>, message: unknown): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(message), signal: AbortSignal.timeout(10_000) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The JSON-RPC result in a JSON or SSE answer. */
function resultOf(text: string): Record<string, unknown> {
  const json = text.trimStart().startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
  const message = JSON.parse(json) as { result?: Record<string, unknown>; error?: unknown };
  if (!message.result) throw new Error(`JSON-RPC error: ${json.slice(0, 300)}`);
  return message.result;
}

/** initialize + initialized; returns the Mcp-Session-Id and the name of the tool to call. */
async function openMcpSession(target: McpTarget): Promise<{ sessionId?: string; tool: string }> {
  const initialized = await post(target.url, mcpHeaders(target), {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'switchboard-bench', version: '1' } },
  });
  if (initialized.status !== 200) throw new Error(`${target.name}: initialize answered ${initialized.status}: ${initialized.text.slice(0, 300)}`);
  const sessionId = initialized.headers.get('mcp-session-id') ?? undefined;
  await fetch(target.url, {
    method: 'POST',
    headers: mcpHeaders(target, sessionId),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  const listed = resultOf((await post(target.url, mcpHeaders(target, sessionId), { jsonrpc: '2.0', id: 1, method: 'tools/list' })).text);
  const tools = (listed.tools as { name: string }[]).map((tool) => tool.name);
  const tool = tools.find((name) => /get.?item/i.test(name));
  if (!tool) throw new Error(`${target.name}: no get-item tool among ${tools.join(', ')}`);
  const called = resultOf((await post(target.url, mcpHeaders(target, sessionId), callMessage(tool))).text);
  if (called.isError || !JSON.stringify(called).includes('Benchmark item'))
    throw new Error(`${target.name}: tools/call failed: ${JSON.stringify(called).slice(0, 300)}`);
  return { ...(sessionId ? { sessionId } : {}), tool };
}

const callMessage = (tool: string) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool, arguments: itemToolArguments } });

async function load(url: string, headers: Record<string, string>, body: string, connections: number, seconds: number) {
  return autocannon({ url, method: 'POST', headers, body, connections, duration: seconds });
}

async function measureTarget(target: McpTarget, api: LoopbackApi, log: (line: string) => void): Promise<Omit<PeerMeasurement, 'target' | 'database'>> {
  const idleRssMb = processRssMb(target.pid);
  const { sessionId, tool } = await openMcpSession(target);
  const headers = mcpHeaders(target, sessionId);
  const callBody = JSON.stringify(callMessage(tool));
  await load(target.url, headers, callBody, peerLoadSettings.callConnections, peerLoadSettings.warmupSeconds);
  const cpuBefore = processCpuMs(target.pid);
  const upstreamBefore = api.requests();
  const calls = await load(target.url, headers, callBody, peerLoadSettings.callConnections, peerLoadSettings.durationSeconds);
  const cpuMs = processCpuMs(target.pid) - cpuBefore;
  const upstreamCalls = api.requests() - upstreamBefore;
  const answered = calls.requests.total;
  const toolsCall: ToolsCallLoad = {
    callsPerSecond: answered / peerLoadSettings.durationSeconds,
    p50Ms: calls.latency.p50,
    p99Ms: calls.latency.p99,
    cpuMsPerCall: cpuMs / Math.max(1, answered),
    upstreamCalls,
    failures: calls.non2xx + calls.errors + calls.timeouts,
  };
  log(
    `${target.name}: tools/call ${Math.round(toolsCall.callsPerSecond)}/s at ${peerLoadSettings.callConnections} in flight, p50 ${toolsCall.p50Ms} ms, CPU ${toolsCall.cpuMsPerCall.toFixed(2)} ms/call, upstream saw ${upstreamCalls} of ${answered}`,
  );
  const listBody = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
  const toolsList: PeerMeasurement['toolsList'] = [];
  for (const connections of peerLoadSettings.listConnections) {
    const listed = await load(target.url, headers, listBody, connections, peerLoadSettings.durationSeconds / 2);
    toolsList.push({
      connections,
      requestsPerSecond: listed.requests.total / (peerLoadSettings.durationSeconds / 2),
      p50Ms: listed.latency.p50,
      failures: listed.non2xx + listed.errors + listed.timeouts,
    });
  }
  log(`${target.name}: tools/list ${toolsList.map((row) => `${Math.round(row.requestsPerSecond)}/s at ${row.connections}`).join(', ')}`);
  return { toolsCall, toolsList, idleRssMb, loadedRssMb: processRssMb(target.pid) };
}

/** Switchboard on one database: the API imported by its OpenAPI description, a direct-mode session. */
async function startSwitchboardTarget(api: LoopbackApi, database: DatabaseKind, databaseUrl: string | undefined): Promise<McpTarget> {
  const dataDir = createDataDir();
  const server = await startServer({
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' },
  });
  const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
  const rest = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  await rest('/v1/toolkits/import', { spec: api.spec, slug: 'items' });
  await rest('/v1/connected-accounts', { user_id: 'bench-user', toolkit: 'items', credentials: { api_key: 'bench' } });
  const session = (await rest('/v1/sessions', { user_id: 'bench-user', toolkits: ['items'], mode: 'direct' })) as { mcp: { url: string } };
  return {
    name: `Switchboard (${database})`,
    url: session.mcp.url,
    headers: { 'x-api-key': adminKey },
    pid: server.pid,
    stop: async () => void (await server.stop()),
  };
}

export async function measurePeers(
  databases: { kind: DatabaseKind; url?: string }[],
  log: (line: string) => void,
  withPeers = true,
): Promise<PeerMeasurement[]> {
  if (withPeers) ensurePeersInstalled(log);
  const api = await startLoopbackApi();
  const results: PeerMeasurement[] = [];
  try {
    const targets: (() => Promise<{ target: McpTarget; database?: DatabaseKind }>)[] = [
      ...databases.map((database) => async () => ({ target: await startSwitchboardTarget(api, database.kind, database.url), database: database.kind })),
      ...(withPeers ? [async () => ({ target: await startIvotobyServer(api) }), async () => ({ target: await startBareSdkServer(api) })] : []),
    ];
    for (const start of targets) {
      const { target, database } = await start();
      try {
        results.push({ target: target.name, ...(database ? { database } : {}), ...(await measureTarget(target, api, log)) });
      } finally {
        await target.stop();
      }
    }
  } finally {
    await api.close();
  }
  return results;
}
