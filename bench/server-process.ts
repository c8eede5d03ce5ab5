import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const repoRoot = join(import.meta.dirname, '..');
const cliPath = join(repoRoot, 'bin', 'switchboard.js');
const healthPollIntervalMs = 20;
const startupTimeoutMs = 60_000;
const shutdownTimeoutMs = 15_000;
const outputTailChars = 4000;

/** Where one Switchboard instance keeps its state. */
export interface Instance {
  dataDir: string;
  /** PostgreSQL connection string; the embedded database is used when absent. */
  databaseUrl?: string;
  /** Extra SWITCHBOARD_* settings for this instance (the inherited ones are dropped). */
  env?: Record<string, string>;
}

export interface RunningServer {
  readonly url: string;
  /** From spawn until GET /health first answered 200. */
  readonly startupMs: number;
  readonly pid: number;
  /** Sends SIGTERM and waits for the process to exit; resolves to the shutdown time in ms. */
  stop(): Promise<number>;
}

const liveChildren = new Set<ChildProcess>();

/** Last resort on errors and exit: kills every server child still running. Synchronous, so it works in an 'exit' handler. */
export function killAllServers(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  liveChildren.clear();
}

/** A port nothing listens on right now (127.0.0.1). */
export async function findFreePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** The inherited environment minus settings that would change what is measured, plus the benchmark's own. */
function serverEnvironment(instance: Instance): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SWITCHBOARD_') && name !== 'DATABASE_URL'));
  return {
    ...inherited,
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_RATE_LIMIT: '100000000',
    ...(instance.databaseUrl ? { DATABASE_URL: instance.databaseUrl } : {}),
    ...instance.env,
  };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Keeps the tail of the child's stdout and stderr, to explain a failed start. */
function captureOutput(child: ChildProcess): () => string {
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-outputTailChars);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => tail.trim();
}

async function healthIsOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitUntilHealthy(child: ChildProcess, url: string, output: () => string): Promise<void> {
  const deadline = performance.now() + startupTimeoutMs;
  while (performance.now() < deadline) {
    if (hasExited(child)) throw new Error(`server exited during startup (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`);
    if (await healthIsOk(url)) return;
    await sleep(healthPollIntervalMs);
  }
  throw new Error(`server did not answer GET /health with 200 within ${startupTimeoutMs} ms:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<number> {
  const started = performance.now();
  if (!hasExited(child)) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const forceKill = setTimeout(() => child.kill('SIGKILL'), shutdownTimeoutMs);
    await exited;
    clearTimeout(forceKill);
  }
  liveChildren.delete(child);
  return performance.now() - started;
}

/** Spawns `switchboard serve` on a free port and waits until it is healthy. */
export async function startServer(instance: Instance): Promise<RunningServer> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', String(port), '--data-dir', instance.dataDir], {
    cwd: repoRoot,
    env: serverEnvironment(instance),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const output = captureOutput(child);
  try {
    await waitUntilHealthy(child, url, output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const startupMs = performance.now() - spawnedAt;
  return { url, startupMs, pid: child.pid!, stop: () => stopChild(child) };
}
