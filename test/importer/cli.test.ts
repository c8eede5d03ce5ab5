import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv, createSandbox, repoRoot, runSwitchboard, type Sandbox, startServer, stopAll } from '../helpers/process.js';
import { createTestDatabase, type TestDatabase, testDatabaseAvailable } from '../helpers/server.js';

/** `switchboard import openapi` as a real process: a dry run, an upload to a running server, and failures. */

const bitbucketFile = join(repoRoot, 'test/fixtures/openapi/bitbucket-cloud-2.0.json');
const notesFile = join(repoRoot, 'test/fixtures/openapi/notes-3.1.yaml');
const stackTrace = /^\s+at /m;

describe.skipIf(!testDatabaseAvailable())('switchboard import openapi', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    sandbox = createSandbox();
    database = await createTestDatabase();
    env = childEnv(sandbox, database.databaseUrl ? { DATABASE_URL: database.databaseUrl, SWITCHBOARD_MASTER_KEY: randomBytes(32).toString('base64') } : {});
  });
  afterEach(async () => {
    await stopAll();
    await database?.drop();
    sandbox?.remove();
  });

  it('--dry-run parses locally and prints the summary, needing no server', async () => {
    const result = await runSwitchboard(['import', 'openapi', bitbucketFile, '--dry-run'], env, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Dry run: toolkit bitbucket_api 2\.0\.\d+ \(\d+ tools, base URL https:\/\/api\.bitbucket\.org\/2\.0\); nothing uploaded\./);
    expect(result.stdout).toMatch(/Operations: 331, imported: \d+, skipped: \d+\./);
    // Progress is for terminals only: piped stderr stays clean.
    expect(result.stderr).toBe('');

    const json = await runSwitchboard(['import', 'openapi', notesFile, '--dry-run', '--json', '--slug', 'notes'], env);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.toolkit).toMatchObject({ slug: 'notes', base_url: 'https://eu.notes.example.com/v1' });
    expect(parsed.summary).toMatchObject({ operations: 5, imported: 4, skipped: [{ operation: 'noteExists' }] });
    expect(json.stdout).toContain('HEAD is not supported');
  }, 90_000);

  it('uploads to a running server; a second run is unchanged; failures are one clear line', async () => {
    const dataDir = sandbox.dataDir('data');
    const server = await startServer({ dataDir, env });
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    const args = ['import', 'openapi', notesFile, '--endpoint', server.url, '--api-key', adminKey, '--auth', 'bearer'];

    const first = await runSwitchboard(args, env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^Created toolkit notes_service 1\\.4\\.\\d+ on ${server.url}\\.`));
    expect(first.stdout).toContain('skipped noteExists: HEAD is not supported');
    // biome-ignore lint/suspicious/noExplicitAny: a toolkit view, checked field by field
    const toolkit: any = await fetch(`${server.url}/v1/toolkits/notes_service`, { headers: { 'x-api-key': adminKey } }).then((response) => response.json());
    expect(toolkit.tools.map((tool: { slug: string }) => tool.slug)).toContain('NOTES_SERVICE_CREATE_NOTE');
    expect(toolkit.auth_schemes).toEqual([expect.objectContaining({ type: 'bearer' })]);

    const second = await runSwitchboard([...args, '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'unchanged', toolkit: { version: toolkit.version } });

    const broken = sandbox.path('broken.json');
    writeFileSync(broken, '{"openapi": "3.0.0", "paths": ');
    for (const [extra, message] of [
      [[broken, '--endpoint', server.url, '--api-key', adminKey], /^switchboard: The OpenAPI description is not valid JSON/],
      [[sandbox.path('missing.yaml'), '--dry-run'], /^switchboard: Cannot read .*missing\.yaml: no such file\./],
      [[notesFile, '--endpoint', server.url, '--api-key', 'sk_wrong'], /^switchboard: /],
      [[notesFile, '--auth', 'digest', '--dry-run'], /^switchboard: Unknown --auth digest/],
    ] as [string[], RegExp][]) {
      const failed = await runSwitchboard(['import', 'openapi', ...extra], env);
      expect(failed.code, failed.stdout).toBe(1);
      expect(failed.stderr).toMatch(message);
      expect(failed.stderr).not.toMatch(stackTrace);
    }
  }, 120_000);
});
