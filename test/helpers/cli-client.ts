import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './process.js';

/**
 * Running the real MCP client CLIs from npm (devDependencies) against a test server: each test
 * gets a throwaway HOME, a minimal environment (nothing of the runner's own, so no real key or
 * config can leak in) and a process group that is killed on timeout or in afterEach.
 */

/** `node_modules/.bin/<name>`, or undefined when the package is not installed. */
export function npmBin(name: string): string | undefined {
  const path = join(repoRoot, 'node_modules', '.bin', name);
  return existsSync(path) ? path : undefined;
}

export interface CliHome {
  /** HOME of the spawned CLI (a mkdtemp directory). */
  home: string;
  remove(): void;
}

export function createCliHome(prefix: string): CliHome {
  const home = mkdtempSync(join(tmpdir(), `switchboard-${prefix}-`));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** The environment of a client CLI: only what it needs, with HOME in the sandbox, plus `extra`. */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Every CLI process group still running; `killAllClis()` ends them (call it in afterEach). */
const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Detached children lead their own process group: this also ends what a launcher started.
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

export function killAllClis(): void {
  for (const child of running) killGroup(child, 'SIGKILL');
  running.clear();
}

export interface CliResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The whole run, for assertion messages. */
export function describeRun(result: CliResult): string {
  return `$ ${result.command}\nexit ${result.code}${result.signal ? ` (signal ${result.signal})` : ''}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

function spawnCli(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  const child = spawn(bin, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  running.add(child);
  child.once('close', () => running.delete(child));
  return child;
}

/** Runs a CLI to completion with stdin closed; its group is killed after `timeoutMs` (then it fails). */
export function runCli(bin: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number }): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const command = [bin.replace(`${repoRoot}/`, ''), ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawnCli(bin, args, options.env, options.cwd);
    child.stdin?.end();
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const result = { command, code, signal, stdout, stderr };
      if (timedOut) reject(new Error(`did not finish within ${timeoutMs} ms\n${describeRun(result)}`));
      else resolve(result);
    });
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC results of another program, checked field by field
type Json = Record<string, any>;

/**
 * `codex app-server` on stdio: newline-delimited JSON-RPC (requests with `id` and `method`,
 * responses with `id` and `result` or `error`, notifications without `id`).
 */
export class CodexAppServer {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (message: Json) => void; reject: (error: Error) => void }>();
  private stderrText = '';
  readonly notifications: Json[] = [];

  constructor(bin: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string }) {
    this.child = spawnCli(bin, ['app-server', ...args], options.env, options.cwd);
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText += chunk;
    });
    const lines = createInterface({ input: this.child.stdout! });
    lines.on('line', (line) => {
      let message: Json;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      const waiting = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (waiting && !('method' in message)) {
        this.pending.delete(message.id);
        waiting.resolve(message);
      } else {
        this.notifications.push(message);
      }
    });
    this.child.once('close', (code, signal) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`codex app-server exited (code ${code}, signal ${signal})\n${this.stderr()}`));
      this.pending.clear();
    });
  }

  stderr(): string {
    return this.stderrText;
  }

  /** Sends a request and resolves with the whole response (`result` or `error`). */
  request(method: string, params: Json, timeoutMs = 30_000): Promise<Json> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`codex app-server did not answer ${method} within ${timeoutMs} ms\nstderr:\n${this.stderr()}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.stdin?.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  notify(method: string, params?: Json): void {
    this.child.stdin?.write(`${JSON.stringify(params ? { method, params } : { method })}\n`);
  }

  /** `initialize` then `initialized`, as every app-server client starts. */
  async initialize(): Promise<Json> {
    const response = await this.request('initialize', { clientInfo: { name: 'switchboard-tests', version: '1.0.0' } });
    if (!response.result) throw new Error(`initialize failed: ${JSON.stringify(response)}\nstderr:\n${this.stderr()}`);
    this.notify('initialized');
    return response.result;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const closed = new Promise((resolve) => this.child.once('close', resolve));
    this.child.stdin?.end();
    killGroup(this.child, 'SIGTERM');
    const killer = setTimeout(() => killGroup(this.child, 'SIGKILL'), 3000);
    await closed;
    clearTimeout(killer);
  }
}
