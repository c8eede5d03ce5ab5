import { spawn } from 'node:child_process';
import { repoRoot } from './process.js';

export interface ProgramRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client program (the venv's Python, or Node 22) with a clean environment: PATH, HOME and `env`. Every
 * non-loopback HTTP(S) request is sent to a closed local port, so an SDK's telemetry or update
 * check cannot leave the machine. `answers` are typed, one per `prompt` the program prints.
 */
export function runClientProgram(
  executable: string,
  args: string[],
  env: Record<string, string>,
  options: { answers?: string[]; prompt?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<ProgramRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, {
      cwd: options.cwd ?? repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        HTTPS_PROXY: 'http://127.0.0.1:9',
        HTTP_PROXY: 'http://127.0.0.1:9',
        NO_PROXY: '127.0.0.1,localhost',
        PYTHONUNBUFFERED: '1',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const answers = options.answers ?? [];
    const prompt = options.prompt ?? 'You: ';
    let stdout = '';
    let stderr = '';
    let sent = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const prompts = stdout.split(prompt).length - 1;
      while (sent < prompts && sent < answers.length) child.stdin.write(`${answers[sent++]}\n`);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    if (answers.length === 0) child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last line of a run's stdout, parsed: the scripts print one JSON line. */
// biome-ignore lint/suspicious/noExplicitAny: JSON printed by a client script, checked field by field by the caller
export function lastJsonLine(run: ProgramRun): any {
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`the script printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}
