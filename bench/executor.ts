// Executor overhead: the same call made directly to a loopback upstream and through Switchboard's
// executor (validate → credentials → request → outbound check → call → map → audit).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { generateMasterKey } from '../src/auth/index.js';
import { loadConfig } from '../src/config/index.js';
import { createSwitchboardServer } from '../src/server.js';
import type { Principal } from '../src/tenancy/index.js';
import { json, notesToolkit, startScriptedUpstream } from '../test/fixtures/notes-toolkit.js';
import { type McpMeasurement, measureMcp } from './mcp.js';
import { measurePythonClient, type PythonClientMeasurement } from './python-client.js';
import type { DatabaseKind } from './report.js';
import { type LatencySeries, series } from './series.js';

export interface ExecutorMeasurement {
  database: DatabaseKind;
  calls: number;
  direct: LatencySeries;
  executor: LatencySeries;
  restOverHttp: LatencySeries;
  mcp: McpMeasurement;
  pythonClient: PythonClientMeasurement;
}

export const executorBenchCalls = 2000;

/** Runs the three series sequentially (one call in flight) against one in-process server. */
export async function measureExecutor(database: DatabaseKind, databaseUrl: string | undefined, log: (line: string) => void): Promise<ExecutorMeasurement> {
  const upstream = await startScriptedUpstream();
  upstream.always(json(200, { id: 1, title: 'Benchmark note', tags: ['a', 'b'] }));
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-exec-'));
  const config = loadConfig({
    cwd: dataDir,
    env: {
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_PORT: '0',
      SWITCHBOARD_LOG_LEVEL: 'silent',
      SWITCHBOARD_MASTER_KEY: generateMasterKey(),
      SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1',
      SWITCHBOARD_RATE_LIMIT: '100000000',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
  });
  const server = await createSwitchboardServer(config, { inMemoryDatabase: !databaseUrl, toolkits: [notesToolkit] });
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  try {
    const created = server.bootstrapResult.created!;
    const principal: Principal = { projectId: created.project.id, keyId: created.adminKey.id, scopes: ['admin'] };
    await server.accounts.create(principal, {
      user_id: 'bench-user',
      toolkit: 'notes',
      credentials: { tenant: 'acme', api_key: 'bench-api-key-0001' },
      base_url: `${upstream.url}/{tenant}`,
    });
    const url = await server.listen();

    log(`executor [${database}] direct calls …`);
    const direct = await series(executorBenchCalls, async () => {
      const response = await request(`${upstream.url}/acme/notes/1`, { dispatcher: agent, headers: { accept: 'application/json' } });
      await response.body.json();
    });
    log(`executor [${database}] through the executor …`);
    const executor = await series(executorBenchCalls, async () => {
      const result = await server.executor.execute(principal, { tool_slug: 'NOTES_GET_NOTE', user_id: 'bench-user', arguments: { note_id: 1 } });
      if (!result.successful) throw new Error(`execution failed: ${result.error}`);
    });
    log(`executor [${database}] REST execute over HTTP …`);
    const body = JSON.stringify({ user_id: 'bench-user', arguments: { note_id: 1 } });
    const restOverHttp = await series(executorBenchCalls, async () => {
      const response = await request(`${url}/v1/tools/NOTES_GET_NOTE/execute`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-api-key': created.adminKey.key },
        body,
      });
      const result = (await response.body.json()) as { successful: boolean };
      if (!result.successful) throw new Error('REST execution failed');
    });
    log(`executor [${database}] direct p50 ${direct.p50Ms} ms, executor p50 ${executor.p50Ms} ms, REST p50 ${restOverHttp.p50Ms} ms`);
    const mcp = await measureMcp(url, created.adminKey.key, agent, executorBenchCalls, (line) => log(`executor [${database}] ${line}`));
    const pythonClient = await measurePythonClient(url, created.adminKey.key, (line) => log(`executor [${database}] ${line}`));
    return { database, calls: executorBenchCalls, direct, executor, restOverHttp, mcp, pythonClient };
  } finally {
    await agent.close();
    await server.close();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
