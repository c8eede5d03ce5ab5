import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The venv's Python with the client packages, or null (with the reason) when it cannot be built outside CI. */
    pythonClients: { python: string | null; reason: string | null };
  }
}

// The Python MCP clients of the tests (requirements.txt) live in a venv at the repository root,
// outside git. A stamp inside it holds the SHA-256 of requirements.txt: while it matches, nothing
// runs but reading two small files; a changed requirements.txt, or a build that never finished
// (no stamp), rebuilds it from scratch. A mkdir lock next to it keeps two vitest projects, or two
// runs, from building it at once.

const repoRoot = resolve(import.meta.dirname, '../../..');
export const requirementsFile = join(import.meta.dirname, 'requirements.txt');
export const venvDir = join(repoRoot, '.venv-clients');
const stampFile = join(venvDir, 'requirements.sha256');
const lockDir = join(repoRoot, '.venv-clients.lock');
const venvPython = join(venvDir, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
const basePython = process.env.SWITCHBOARD_TEST_PYTHON ?? 'python3';
const lockWaitMs = 15 * 60_000;
/** A lock untouched for this long, whose holder is gone, is taken over. */
const staleLockMs = 30_000;

/** Python is not there (or cannot make a venv): tests skip outside CI, and fail under CI. */
export class PythonClientsUnavailable extends Error {}

const requirementsHash = () => createHash('sha256').update(readFileSync(requirementsFile)).digest('hex');

function isCurrent(hash: string): boolean {
  try {
    return existsSync(venvPython) && readFileSync(stampFile, 'utf8').trim() === hash;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(lockDir).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > staleLockMs && !holderAlive()) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lockDir} has been held for ${lockWaitMs / 60_000} minutes; remove it if no build is running.`);
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolveRun, rejectRun) => {
    // pip's progress goes to stderr so that it shows in the CI log and in a vitest run alike.
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', rejectRun);
    child.once('close', (code, signal) =>
      code === 0 ? resolveRun() : rejectRun(new Error(`${command} ${args.join(' ')} exited with ${signal ?? `code ${code}`}`)),
    );
  });
}

async function build(hash: string): Promise<void> {
  const version = spawnSync(basePython, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new PythonClientsUnavailable(`${basePython} is not available (${version.error?.message ?? version.stderr.trim()})`);
  }
  const started = Date.now();
  console.error(`[python clients] building ${venvDir} with ${version.stdout.trim()} from ${requirementsFile}`);
  rmSync(venvDir, { recursive: true, force: true });
  try {
    await run(basePython, ['-m', 'venv', venvDir]);
  } catch (error) {
    rmSync(venvDir, { recursive: true, force: true });
    throw new PythonClientsUnavailable(`${basePython} -m venv failed (is the venv module installed?): ${(error as Error).message}`);
  }
  await run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '-r', requirementsFile]);
  writeFileSync(stampFile, `${hash}\n`);
  console.error(`[python clients] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

let pending: Promise<{ python: string }> | undefined;

/** The venv's Python, building the venv first when requirements.txt changed since it was built. */
export function ensurePythonClients(): Promise<{ python: string }> {
  pending ??= (async () => {
    const hash = requirementsHash();
    if (!isCurrent(hash)) {
      await withLock(async () => {
        if (!isCurrent(hash)) await build(hash); // another process may have built it while this one waited
      });
    }
    return { python: venvPython };
  })();
  return pending;
}

/** vitest globalSetup (both projects): provides `pythonClients`; under CI a missing Python fails the run. */
export default async function setup(project: TestProject) {
  try {
    const { python } = await ensurePythonClients();
    project.provide('pythonClients', { python, reason: null });
  } catch (error) {
    if (!(error instanceof PythonClientsUnavailable)) throw error;
    if (process.env.CI) throw new Error(`The Python MCP clients are required under CI: ${error.message}`);
    console.warn(`\n[python clients] ${error.message}; the Python client tests are skipped.\n`);
    project.provide('pythonClients', { python: null, reason: error.message });
  }
}

// CLI: `node --import tsx test/clients/python/setup.ts` (what .ci/run does before npm test).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = Date.now();
  ensurePythonClients().then(
    ({ python }) => console.log(`python clients: ${python} (ready in ${Date.now() - started} ms)`),
    (error: Error) => {
      console.error(`python clients: ${error.message}`);
      process.exit(1);
    },
  );
}
