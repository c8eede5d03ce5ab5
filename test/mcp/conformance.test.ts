import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { repoRoot } from '../helpers/process.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

const run = promisify(execFile);

/** The official suite needs Node ≥ 22; the `node` package in devDependencies provides it. */
const node22 = join(repoRoot, 'node_modules', 'node', 'bin', 'node');
const conformanceCli = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

/** The protocol scenarios that apply to any server (the others call tools, resources and prompts a test fixture defines). */
const scenarios = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'server-sse-multiple-streams', 'dns-rebinding-protection'];

interface ScenarioOutcome {
  passed: number;
  failed: number;
  warnings: number;
  output: string;
}

async function conformance(url: string, scenario: string, outputDir: string): Promise<ScenarioOutcome> {
  const { stdout, stderr } = await run(node22, [conformanceCli, 'server', '--url', url, '--scenario', scenario, '-o', outputDir], {
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
  const output = `${stdout}\n${stderr}`;
  // The suite ends each scenario with "Passed: 2/2, 0 failed, 0 warnings".
  const match = /Passed: (\d+)\/\d+, (\d+) failed, (\d+) warnings/.exec(output);
  return { passed: Number(match?.[1] ?? 0), failed: Number(match?.[2] ?? -1), warnings: Number(match?.[3] ?? -1), output };
}

/**
 * `@modelcontextprotocol/conformance` against a session endpoint. The suite sends no custom headers,
 * so it uses the session's token_url: the same endpoint, authorised by the token in the URL.
 */
describe.skipIf(!testDatabaseAvailable())('MCP conformance suite', () => {
  let t: TestServer;
  let tokenUrl: string;
  const outputDir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));

  beforeAll(async () => {
    t = await startTestServer();
    await t.server.listen();
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: 'conformance', toolkits: ['bitbucket'] },
    });
    tokenUrl = created.json().mcp.token_url;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(outputDir, { recursive: true, force: true });
  });

  // One process per scenario, each writing to its own folder: they run side by side.
  for (const scenario of scenarios) {
    it.concurrent(`passes ${scenario}`, async ({ expect }) => {
      const outcome = await conformance(tokenUrl, scenario, join(outputDir, scenario));
      expect(outcome.failed, outcome.output).toBe(0);
      expect(outcome.passed, outcome.output).toBeGreaterThan(0);
      expect(outcome.warnings, outcome.output).toBe(0);
    });
  }
});
