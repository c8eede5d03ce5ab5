import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { pgliteTemplatePath } from '../src/db/pglite-template.js';

const repoRoot = join(import.meta.dirname, '..');

export interface MachineFacts {
  cpuModel: string;
  cpuCount: number;
  totalMemoryGiB: number;
  nodeVersion: string;
  os: string;
  /** 1-minute load average when the run started: how busy the machine already was. */
  loadAverage1m: number;
  /** Whether the prepared empty PGlite cluster exists; without it a first start also runs initdb. */
  pgliteTemplateCached: boolean;
}

export function describeMachine(): MachineFacts {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    totalMemoryGiB: totalmem() / 1024 ** 3,
    nodeVersion: process.version,
    os: `${type()} ${release()}`,
    loadAverage1m: loadavg()[0] ?? 0,
    pgliteTemplateCached: existsSync(pgliteTemplatePath()),
  };
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The short commit, flagged when the code that runs (src, bin, dependencies) has uncommitted changes; undefined outside git. */
export function describeCommit(): string | undefined {
  try {
    const commit = git(['rev-parse', '--short', 'HEAD']);
    const changed = git(['status', '--porcelain', '--', 'src', 'bin', 'package.json', 'package-lock.json']);
    return changed ? `${commit} (with uncommitted changes in src/bin/package files)` : commit;
  } catch {
    return undefined;
  }
}
