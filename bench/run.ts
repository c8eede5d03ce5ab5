// Startup time and HTTP throughput of Switchboard, embedded database and (when reachable) PostgreSQL.
// Run with `npm run bench`; writes BENCHMARKS.md at the repository root.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataDir, removeDataDirs } from './data-dirs.js';
import { measureExecutor } from './executor.js';
import { measureLoad } from './load.js';
import { describeCommit, describeMachine } from './machine.js';
import { createBenchDatabase, dropBenchDatabases, type PostgresProbe, probePostgres } from './postgres.js';
import { type BenchReport, type DatabaseKind, type Endpoint, type LoadMeasurement, renderReport, type StartupMeasurement } from './report.js';
import { type Instance, killAllServers, startServer } from './server-process.js';

const reportPath = join(import.meta.dirname, '..', 'BENCHMARKS.md');
const startupRuns = 3;
/** Aborts a stuck run; a normal run takes about two minutes. */
const watchdogMs = 5 * 60_000;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function freshInstance(database: DatabaseKind): Promise<Instance> {
  const dataDir = createDataDir();
  return database === 'postgres' ? { dataDir, databaseUrl: await createBenchDatabase() } : { dataDir };
}

/** Starts the server on the instance, records the startup time, and stops it again. */
async function timeOneStart(instance: Instance, label: string): Promise<number> {
  const server = await startServer(instance);
  const shutdownMs = await server.stop();
  log(`${label} … ${Math.round(server.startupMs)} ms (shutdown ${Math.round(shutdownMs)} ms)`);
  return server.startupMs;
}

/** First starts, each on a new instance, then restarts on the last one; returns that instance for the load tests. */
async function measureStartup(database: DatabaseKind): Promise<{ measurements: StartupMeasurement[]; instance: Instance }> {
  const firstStarts: number[] = [];
  let instance: Instance | undefined;
  for (let run = 1; run <= startupRuns; run++) {
    instance = await freshInstance(database);
    firstStarts.push(await timeOneStart(instance, `startup [${database}] first start ${run}/${startupRuns}`));
  }
  if (!instance) throw new Error('no startup runs configured');
  const restarts: number[] = [];
  for (let run = 1; run <= startupRuns; run++) {
    restarts.push(await timeOneStart(instance, `startup [${database}] restart ${run}/${startupRuns}`));
  }
  return {
    measurements: [
      { database, startupCase: 'first start', samplesMs: firstStarts },
      { database, startupCase: 'restart', samplesMs: restarts },
    ],
    instance,
  };
}

function adminKeyHeaders(instance: Instance): Record<string, string> {
  return { 'x-api-key': readFileSync(join(instance.dataDir, 'admin-key'), 'utf8').trim() };
}

const endpointPaths: Record<Endpoint, string> = { 'GET /health': '/health', 'GET /v1/projects': '/v1/projects' };

/** Runs the load tests for the endpoints against one server started on the instance. */
async function measureThroughput(database: DatabaseKind, instance: Instance, endpoints: Endpoint[]): Promise<LoadMeasurement[]> {
  const server = await startServer(instance);
  try {
    const measurements: LoadMeasurement[] = [];
    for (const endpoint of endpoints) {
      log(`load [${database}] ${endpoint} …`);
      const headers = endpoint === 'GET /v1/projects' ? adminKeyHeaders(instance) : {};
      const result = await measureLoad(`${server.url}${endpointPaths[endpoint]}`, headers);
      log(
        `load [${database}] ${endpoint} … ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms, ${result.failures} failures`,
      );
      measurements.push({ database, endpoint, result });
    }
    return measurements;
  } finally {
    await server.stop();
  }
}

async function benchmarkDatabase(database: DatabaseKind, endpoints: Endpoint[]): Promise<{ startup: StartupMeasurement[]; load: LoadMeasurement[] }> {
  const { measurements, instance } = await measureStartup(database);
  return { startup: measurements, load: await measureThroughput(database, instance, endpoints) };
}

async function runBenchmarks(): Promise<BenchReport> {
  const startedAt = new Date();
  const machine = describeMachine();
  log(`machine: ${machine.cpuModel} × ${machine.cpuCount}, node ${machine.nodeVersion}, load average ${machine.loadAverage1m.toFixed(2)}`);
  const embedded = await benchmarkDatabase('embedded', ['GET /health', 'GET /v1/projects']);
  const postgres: PostgresProbe = await probePostgres();
  log(postgres.reachable ? `postgres: ${postgres.version} reachable` : `postgres: not reachable, skipped (${postgres.reason})`);
  const onPostgres = postgres.reachable ? await benchmarkDatabase('postgres', ['GET /v1/projects']) : { startup: [], load: [] };
  const executor = [await measureExecutor('embedded', undefined, log)];
  if (postgres.reachable) executor.push(await measureExecutor('postgres', await createBenchDatabase(), log));
  return {
    startedAt,
    elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000,
    commit: describeCommit(),
    machine,
    postgres,
    startup: [...embedded.startup, ...onPostgres.startup],
    load: [...embedded.load, ...onPostgres.load],
    executor,
  };
}

/** `npm run eval:search` writes its own section; a benchmark run keeps it. */
function withSearchSection(rendered: string): string {
  let current = '';
  try {
    current = readFileSync(reportPath, 'utf8');
  } catch {
    return rendered;
  }
  const start = current.indexOf('## Tool search (MetaTool dev set)');
  if (start < 0) return rendered;
  const end = current.indexOf('\n## ', start + 3);
  return `${rendered.trimEnd()}\n\n${current.slice(start, end < 0 ? undefined : end).trimEnd()}\n`;
}

/** Kills server children, then removes temp data directories and benchmark databases; never throws. */
async function cleanUp(): Promise<void> {
  killAllServers();
  removeDataDirs();
  await dropBenchDatabases().catch((error: Error) => log(`cleanup: could not drop benchmark databases: ${error.message}`));
}

function abort(reason: string): void {
  log(`aborting: ${reason}`);
  void cleanUp().finally(() => process.exit(1));
}

async function main(): Promise<number> {
  try {
    const report = await runBenchmarks();
    writeFileSync(reportPath, withSearchSection(renderReport(report)));
    log(`wrote ${reportPath}`);
    return 0;
  } catch (error) {
    log(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await cleanUp();
  }
}

process.on('exit', killAllServers);
process.on('SIGINT', () => abort('interrupted'));
process.on('SIGTERM', () => abort('terminated'));
setTimeout(() => abort(`still running after ${watchdogMs / 1000} s`), watchdogMs).unref();
process.exit(await main());
