import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: spawned commands run from here, as `node bin/switchboard.js`. */
export const repoRoot = resolve(import.meta.dirname, '../..');
const cliEntry = join(repoRoot, 'bin/switchboard.js');

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<ExitStatus>;
  /** Set once the process has exited. */
  exitStatus(): ExitStatus | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

/** Every process spawned and not yet reaped; `stopAll()` ends them (call it in afterEach). */
const running = new Set<SpawnedProcess>();

/**
 * The environment of a spawned command: the test runner's own, minus anything that would
 * configure Switchboard behind the test's back, plus `env`. SWITCHBOARD_CONFIG points to an empty
 * config file so a `switchboard.config.*` in the repository cannot leak in.
 */
export function childEnv(sandbox: Sandbox, env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(SWITCHBOARD_|VITEST|NODE_OPTIONS$|DATABASE_URL$|PORT$)/.test(name)) continue;
    base[name] = value;
  }
  const merged: NodeJS.ProcessEnv = {
    ...base,
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_CONFIG: sandbox.emptyConfigFile,
    // Never the repository's ./data: commands given no --data-dir land in the sandbox.
    SWITCHBOARD_DATA_DIR: sandbox.defaultDataDir,
  };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/** Spawns `node bin/switchboard.js ...args` from the repository root. */
export function spawnSwitchboard(args: string[], env: NodeJS.ProcessEnv): SpawnedProcess {
  const child = spawn(process.execPath, [cliEntry, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn switchboard ${args.join(' ')}`);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  let status: ExitStatus | undefined;
  // 'close' (not 'exit') so that all output has been read when it resolves.
  const exited = new Promise<ExitStatus>((resolveExit, rejectExit) => {
    child.once('error', rejectExit);
    child.once('close', (code, signal) => {
      status = { code, signal };
      resolveExit(status);
    });
  });
  const spawned: SpawnedProcess = {
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    exitStatus: () => status,
    async stop(graceMs = 5000) {
      if (!status) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          await exited;
        } finally {
          clearTimeout(killer);
        }
      }
      running.delete(spawned);
      return status!;
    },
  };
  running.add(spawned);
  void exited.then(
    () => running.delete(spawned),
    () => running.delete(spawned),
  );
  return spawned;
}

/** Stops every process still running (SIGTERM, then SIGKILL) and waits until they are gone. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((spawned) => spawned.stop()));
}

export interface CommandResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** Runs a CLI command to completion; kills it and fails after `timeoutMs`. */
export async function runSwitchboard(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<CommandResult> {
  const spawned = spawnSwitchboard(args, env);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([spawned.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await spawned.stop(1000);
    throw new Error(`switchboard ${args.join(' ')} did not finish within ${timeoutMs} ms.\nstdout:\n${spawned.stdout()}\nstderr:\n${spawned.stderr()}`);
  }
  return { ...outcome, stdout: spawned.stdout(), stderr: spawned.stderr() };
}

/** A port nothing listens on right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, rejectPort) => {
    const server = createServer();
    server.unref();
    server.once('error', rejectPort);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return rejectPort(new Error('no port'));
      server.close(() => resolvePort(address.port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Polls `GET <baseUrl>/health` until it answers 200; fails early if the process exits first. */
export async function waitForHealth(baseUrl: string, spawned: SpawnedProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = spawned.exitStatus();
    if (status) {
      throw new Error(
        `switchboard (pid ${spawned.pid}) exited (code ${status.code}, signal ${status.signal}) before /health answered.\nstdout:\n${spawned.stdout()}\nstderr:\n${spawned.stderr()}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${baseUrl}/health did not answer 200 within ${timeoutMs} ms.\nstdout:\n${spawned.stdout()}\nstderr:\n${spawned.stderr()}`);
}

export interface RunningServer {
  process: SpawnedProcess;
  port: number;
  url: string;
  dataDir: string;
  stop(): Promise<ExitStatus>;
}

/** Spawns `switchboard serve` on `port` without waiting; pair it with `waitUntilServing`. */
export function launchServer(options: { dataDir: string; env: NodeJS.ProcessEnv; port: number }): RunningServer {
  const spawned = spawnSwitchboard(['serve', '--port', String(options.port), '--host', '127.0.0.1', '--data-dir', options.dataDir], options.env);
  return { process: spawned, port: options.port, url: `http://127.0.0.1:${options.port}`, dataDir: options.dataDir, stop: () => spawned.stop() };
}

/**
 * Waits until /health answers 200 and the start-up banner has been read in full (its last line
 * names the API reference), so assertions on stdout see everything the start printed.
 */
export async function waitUntilServing(server: RunningServer, timeoutMs = 30_000): Promise<RunningServer> {
  const started = Date.now();
  try {
    await waitForHealth(server.url, server.process, timeoutMs);
    while (!server.process.stdout().includes('API reference:')) {
      if (server.process.exitStatus() || Date.now() - started > timeoutMs) {
        throw new Error(`switchboard serve never printed its banner.\nstdout:\n${server.process.stdout()}\nstderr:\n${server.process.stderr()}`);
      }
      await sleep(20);
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Spawns `switchboard serve` on a free port and waits until it serves. */
export async function startServer(options: { dataDir: string; env: NodeJS.ProcessEnv }): Promise<RunningServer> {
  return waitUntilServing(launchServer({ ...options, port: await freePort() }));
}

/** `count` distinct free ports, all held at once while they are picked. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolveServer, rejectServer) => {
          const server = createServer();
          server.once('error', rejectServer);
          server.listen(0, '127.0.0.1', () => resolveServer(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolveClose) => server.close(resolveClose))));
  return ports;
}

/** A temporary directory for one test: data directories, an empty config file; `remove()` deletes it. */
export interface Sandbox {
  root: string;
  emptyConfigFile: string;
  /** SWITCHBOARD_DATA_DIR of spawned commands; nothing should create it when --data-dir is given. */
  defaultDataDir: string;
  /** A new, empty directory inside the sandbox (mode 0700, like mkdtemp makes). */
  dataDir(name: string): string;
  /** A path inside the sandbox that does not exist yet. */
  path(name: string): string;
  remove(): void;
}

export function createSandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  const emptyConfigFile = join(root, 'switchboard.config.json');
  writeFileSync(emptyConfigFile, '{}\n');
  return {
    root,
    emptyConfigFile,
    defaultDataDir: join(root, 'default-data-dir'),
    dataDir(name) {
      const dir = join(root, name);
      mkdirSync(dir, { mode: 0o700 });
      return dir;
    },
    path: (name) => join(root, name),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
