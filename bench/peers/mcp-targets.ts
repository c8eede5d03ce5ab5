// The MCP servers of the peer benchmark, each started as its own process on a free port and
// exposing the loopback API's one operation as a tool over Streamable HTTP.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../server-process.js';
import type { LoopbackApi } from './loopback-api.js';

const peersDir = import.meta.dirname;
const repoRoot = join(peersDir, '..', '..');

export interface McpTarget {
  name: string;
  /** The Streamable HTTP endpoint. */
  url: string;
  headers: Record<string, string>;
  pid: number;
  stop(): Promise<void>;
}

/** Installs the peer servers into bench/peers/node_modules on first use (npm ci, from the lock file). */
export function ensurePeersInstalled(log: (line: string) => void): void {
  if (existsSync(join(peersDir, 'node_modules', '@ivotoby', 'openapi-mcp-server'))) return;
  log('peers: installing @ivotoby/openapi-mcp-server into bench/peers (once) …');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: peersDir, stdio: 'inherit' });
}

const running = new Set<ChildProcess>();

export function killAllTargets(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

async function waitForPort(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`peer exited during start-up:\n${output()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then((response) => response.arrayBuffer());
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`peer did not listen on ${port} within 30 s:\n${output()}`);
}

async function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, port: number, path: string): Promise<McpTarget> {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await waitForPort(child, port, () => tail);
  return {
    name,
    url: `http://127.0.0.1:${port}${path}`,
    headers: {},
    pid: child.pid!,
    async stop() {
      running.delete(child);
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** @ivotoby/openapi-mcp-server: an OpenAPI description served as MCP tools (SDK v1, stateful sessions). */
export async function startIvotobyServer(api: LoopbackApi): Promise<McpTarget> {
  const port = await findFreePort();
  const specFile = join(mkdtempSync(join(tmpdir(), 'switchboard-bench-peer-')), 'openapi.json');
  writeFileSync(specFile, JSON.stringify(api.spec));
  const cli = join(peersDir, 'node_modules', '@ivotoby', 'openapi-mcp-server', 'dist', 'cli.js');
  const args = [cli, '--api-base-url', api.url, '--openapi-spec', specFile, '--headers', 'x-api-key:bench', '--transport', 'http', '--port', String(port)];
  return startProcess('@ivotoby/openapi-mcp-server 1.16.1', process.execPath, args, {}, port, '/mcp');
}

/** A bare MCP SDK (v1) server with one hand-written tool that fetches the same URL. */
export async function startBareSdkServer(api: LoopbackApi): Promise<McpTarget> {
  const port = await findFreePort();
  const args = ['--import', 'tsx', join(peersDir, 'bare-sdk-server.ts'), String(port), api.url];
  return startProcess('bare MCP SDK server (v1)', process.execPath, args, {}, port, '/mcp');
}

/** CPU time (user + system) the process has used, in ms, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicksPerSecond;
}

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Resident set size of the process in MB, from /proc (Linux). */
export function processRssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
