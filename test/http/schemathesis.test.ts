import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runClientProgram } from '../helpers/client-program.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// Schemathesis (pinned in test/clients/python/requirements.txt) generates requests from the OpenAPI
// document and checks every answer: no 5xx, only documented status codes, bodies and content types
// as documented. It exercises the HTTP layer, which is the same on both databases, so it runs on
// the embedded project only.
const { python, reason } = inject('pythonClients');
if (!python) {
  if (process.env.CI) throw new Error(`Schemathesis must run under CI: ${reason}`);
  console.warn(`Schemathesis test skipped: ${reason}`);
}
const schemathesis = python ? join(python, '..', 'schemathesis') : '';

const checks = ['not_a_server_error', 'status_code_conformance', 'response_schema_conformance', 'content_type_conformance'];

describe.skipIf(!python || !testDatabaseAvailable() || testDatabaseKind() !== 'embedded')('Schemathesis against the OpenAPI document', () => {
  let t: TestServer;
  let baseUrl: string;
  let reportDir: string;

  beforeAll(async () => {
    // Thousands of requests from one key: lift the per-key rate limit.
    t = await startTestServer({ env: { SWITCHBOARD_RATE_LIMIT: '1000000' } });
    baseUrl = await t.server.listen();
    reportDir = mkdtempSync(join(tmpdir(), 'switchboard-schemathesis-'));
  });
  afterAll(async () => {
    await t?.close();
    if (reportDir) rmSync(reportDir, { recursive: true, force: true });
  });

  it('finds no server error, undocumented status, or response that breaks its schema, on every operation', { timeout: 240_000 }, async () => {
    const run = await runClientProgram(
      schemathesis,
      [
        'run',
        `${baseUrl}/openapi.json`,
        '--header',
        `x-api-key: ${t.adminKey}`,
        '--checks',
        checks.join(','),
        '--phases',
        'coverage,fuzzing',
        '--max-examples',
        '20',
        '--seed',
        '20261202',
        '--workers',
        '1',
        '--generation-database',
        'none',
        '--no-color',
        '--report-dir',
        reportDir,
      ],
      {},
      // Its own folder as the working directory: Schemathesis keeps a cache (.schemathesis/) there.
      { timeoutMs: 230_000, cwd: reportDir },
    );
    const summary = run.stdout.slice(run.stdout.lastIndexOf('=====')) || run.stdout;
    expect(run.code, `schemathesis exited ${run.code}:\n${run.stdout.slice(-20_000)}\n${run.stderr.slice(-4_000)}`).toBe(0);
    expect(summary).not.toMatch(/\bfailures?\b/);
    // It did test the API, not an empty or unreadable document.
    const tested = Number(/Tested: (\d+)/.exec(run.stdout)?.[1] ?? 0);
    expect(tested, run.stdout.slice(-4_000)).toBeGreaterThanOrEqual(40);
  });
});
