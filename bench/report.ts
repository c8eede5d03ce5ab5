import type { ExecutorMeasurement } from './executor.js';
import { type LoadResult, loadSettings } from './load.js';
import type { MachineFacts } from './machine.js';
import type { PostgresProbe } from './postgres.js';
import type { LatencySeries } from './series.js';
import { summarize } from './stats.js';

export type DatabaseKind = 'embedded' | 'postgres';
export type StartupCase = 'first start' | 'restart';
export type Endpoint = 'GET /health' | 'GET /v1/projects';

export interface StartupMeasurement {
  database: DatabaseKind;
  startupCase: StartupCase;
  samplesMs: number[];
}

export interface LoadMeasurement {
  database: DatabaseKind;
  endpoint: Endpoint;
  result: LoadResult;
}

export interface BenchReport {
  startedAt: Date;
  elapsedSeconds: number;
  commit: string | undefined;
  machine: MachineFacts;
  postgres: PostgresProbe;
  startup: StartupMeasurement[];
  load: LoadMeasurement[];
  executor: ExecutorMeasurement[];
}

function executorSection(measurements: ExecutorMeasurement[]): string {
  if (measurements.length === 0) return '';
  const fmt = (value: number) => value.toFixed(3);
  const rows = measurements.flatMap((m) => [
    [m.database, 'direct to upstream', fmt(m.direct.p50Ms), fmt(m.direct.p99Ms), String(m.direct.callsPerSecond), '—'],
    [
      m.database,
      'executor (in-process)',
      fmt(m.executor.p50Ms),
      fmt(m.executor.p99Ms),
      String(m.executor.callsPerSecond),
      fmt(m.executor.p50Ms - m.direct.p50Ms),
    ],
    [
      m.database,
      'REST execute over HTTP',
      fmt(m.restOverHttp.p50Ms),
      fmt(m.restOverHttp.p99Ms),
      String(m.restOverHttp.callsPerSecond),
      fmt(m.restOverHttp.p50Ms - m.direct.p50Ms),
    ],
  ]);
  return [
    '## Tool execution overhead',
    '',
    `The same GET to a loopback upstream, ${measurements[0]!.calls} sequential calls after a warm-up: directly with undici, through the executor (argument validation, credential decryption, request mapping, outbound check, response mapping, audit row), and through \`POST /v1/tools/{slug}/execute\` over HTTP. "Added p50" is the difference to the direct call; the target for the executor is ≤ 1 ms.`,
    '',
    table(['Database', 'Path', 'p50 ms', 'p99 ms', 'Calls/s', 'Added p50 ms'], rows),
  ].join('\n');
}

function mcpSection(measurements: ExecutorMeasurement[]): string {
  if (measurements.length === 0) return '';
  const fmt = (value: number) => value.toFixed(3);
  const rows = measurements.flatMap((m) => {
    const rest = m.mcp.sessionRestOverHttp;
    const row = (path: string, value: LatencySeries) => [
      m.database,
      path,
      fmt(value.p50Ms),
      fmt(value.p99Ms),
      String(value.callsPerSecond),
      fmt(value.p50Ms - rest.p50Ms),
    ];
    return [
      row('REST `POST /v1/sessions/{id}/execute`', rest),
      row('MCP tools/call, raw JSON-RPC (2025-era session)', m.mcp.mcpJsonRpcOverHttp),
      row('MCP tools/call, SDK v2 client (2026-07-28)', m.mcp.mcpSdkClient),
      row('Composio-compatible `POST /api/v3.1/tool_router/session/{id}/execute`', m.mcp.composioRestOverHttp),
    ];
  });
  const tokens = measurements.map((m) => `${m.database}: ${m.mcp.metaToolsListTokens}`).join(', ');
  return [
    '## MCP layer',
    '',
    `The same tool call through a direct-mode session, ${measurements[0]!.calls} sequential calls after a warm-up, each over HTTP on loopback: the session's REST execute endpoint, MCP \`tools/call\` posted as plain JSON-RPC with an \`Mcp-Session-Id\`, and MCP through the official SDK v2 client (its own client-side cost included), and the Composio-compatible execute endpoint (a session made through that API). The last column is the p50 each path adds to Switchboard's own REST endpoint; the MCP target is ≤ 2 ms, and for the Composio path it is the compatibility layer's own cost.`,
    '',
    table(['Database', 'Path', 'p50 ms', 'p99 ms', 'Calls/s', 'Over own REST p50 ms'], rows),
    '',
    `Context budget: \`tools/list\` of a meta-tool session is ${tokens} tokens (characters / 4), whatever the catalog size (a test checks < 2,500 with 400 extra tools).`,
  ].join('\n');
}

function pythonClientSection(measurements: ExecutorMeasurement[]): string {
  if (measurements.length === 0) return '';
  const fmt = (value: number) => value.toFixed(1);
  const rows = measurements.flatMap((m) => {
    const p = m.pythonClient;
    return [
      [m.database, 'Create a session (`composio.create`)', fmt(p.createSession.median), fmt(p.createSession.min), fmt(p.createSession.max)],
      [m.database, 'MCP initialize + first `tools/list`', fmt(p.initializeAndList.median), fmt(p.initializeAndList.min), fmt(p.initializeAndList.max)],
      [m.database, 'One tool call (`COMPOSIO_MULTI_EXECUTE_TOOL`)', fmt(p.toolCall.median), fmt(p.toolCall.min), fmt(p.toolCall.max)],
    ];
  });
  return [
    '## First steps of a Python agent',
    '',
    `What the seeds' AutoGen programs do before their first answer, ${measurements[0]!.pythonClient.runs} runs after a warm-up, each step timed inside one Python process (\`bench/python/session_steps.py\`): the official \`composio\` SDK creates a session through the Composio-compatible API, the \`mcp\` SDK (what AutoGen's McpWorkbench runs on) opens it and lists its tools, then calls one tool on a loopback upstream. Client-side costs (the SDKs' own work in Python) are included.`,
    '',
    table(['Database', 'Step', 'Median ms', 'Min ms', 'Max ms'], rows),
  ].join('\n');
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const ms = (value: number) => String(Math.round(value));
const decimal = (value: number) => value.toFixed(value < 10 ? 2 : 1);

function machineSection({ machine, commit, startedAt, elapsedSeconds, postgres }: BenchReport): string {
  return [
    `- Date: ${startedAt.toISOString()} (run took ${Math.round(elapsedSeconds)} s)`,
    `- Commit: ${commit ?? 'unknown (not a git checkout)'}`,
    `- CPU: ${machine.cpuModel} × ${machine.cpuCount}`,
    `- Memory: ${machine.totalMemoryGiB.toFixed(1)} GiB`,
    `- Node: ${machine.nodeVersion} on ${machine.os}`,
    `- Load average (1 min) at start: ${machine.loadAverage1m.toFixed(2)}`,
    `- PGlite empty-cluster template cached: ${machine.pgliteTemplateCached ? 'yes' : 'no (first starts include initdb)'}`,
    `- PostgreSQL: ${postgres.reachable ? `${postgres.version} at 127.0.0.1:5432` : `not reachable, skipped (${postgres.reason})`}`,
  ].join('\n');
}

function startupSection(measurements: StartupMeasurement[]): string {
  const rows = measurements.map(({ database, startupCase, samplesMs }) => {
    const { median, min, max } = summarize(samplesMs);
    return [database, startupCase, String(samplesMs.length), ms(median), ms(min), ms(max), samplesMs.map(ms).join(', ')];
  });
  return [
    '## Startup',
    '',
    'Time from spawning `node bin/switchboard.js serve` until `GET /health` first answers 200 (polled every 20 ms). ' +
      '"First start" uses an empty data directory (and, for PostgreSQL, an empty database): it creates the database schema, ' +
      'the master key, the default project and the admin key. "Restart" starts again on the same data directory.',
    '',
    table(['Database', 'Case', 'Runs', 'Median ms', 'Min ms', 'Max ms', 'All runs ms'], rows),
  ].join('\n');
}

function loadSection(endpoint: Endpoint, description: string, measurements: LoadMeasurement[]): string {
  const rows = measurements
    .filter((measurement) => measurement.endpoint === endpoint)
    .map(({ database, result }) => [
      database,
      ms(result.requestsPerSecond),
      decimal(result.latencyP50Ms),
      decimal(result.latencyP99Ms),
      String(result.totalRequests),
      String(result.failures),
    ]);
  if (rows.length === 0) return '';
  return [`## ${endpoint}`, '', description, '', table(['Database', 'Requests/s', 'p50 ms', 'p99 ms', 'Requests', 'Failures'], rows)].join('\n');
}

export function renderReport(report: BenchReport): string {
  const { connections, durationSeconds, warmupSeconds } = loadSettings;
  const loadMethod = `autocannon, ${connections} connections, ${durationSeconds} s after a ${warmupSeconds} s warm-up; "Failures" counts non-2xx responses, errors and timeouts.`;
  const sections = [
    '# Switchboard benchmarks',
    'Generated by `npm run bench` (bench/run.ts); this file is overwritten on every run.',
    machineSection(report),
    '> This machine has 2 cores and other work running on it, and the load generator shares it with the server. ' +
      'Absolute numbers move between runs: compare rows of one run as ratios, not against numbers from another run or machine.',
    startupSection(report.startup),
    loadSection('GET /health', `Liveness check including a database ping, no authentication. ${loadMethod}`, report.load),
    loadSection('GET /v1/projects', `Authenticated with the admin key (\`x-api-key\`) the first start wrote. ${loadMethod}`, report.load),
    executorSection(report.executor),
    mcpSection(report.executor),
    pythonClientSection(report.executor),
  ];
  return `${sections.filter(Boolean).join('\n\n')}\n`;
}
