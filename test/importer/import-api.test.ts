import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../../src/db/index.js';
import { type BitbucketEmulator, DEFAULT_ACCOUNT, SEED, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/**
 * POST /v1/toolkits/import end to end: the official Bitbucket description imported over REST, its
 * tools executed against the Bitbucket emulator with basic auth, re-imports, URLs and broken input.
 */

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'openapi');
const bitbucketSpec = readFileSync(join(fixtures, 'bitbucket-cloud-2.0.json'), 'utf8');
const notesYaml = readFileSync(join(fixtures, 'notes-3.1.yaml'), 'utf8');
const USER = 'importer-user';

describe.skipIf(!testDatabaseAvailable())('POST /v1/toolkits/import', () => {
  let t: TestServer;
  let bitbucket: BitbucketEmulator;
  let specServer: Server;
  let specBase: string;
  // biome-ignore lint/suspicious/noExplicitAny: tools are checked field by field
  let tools: any[];

  const inject = (method: 'GET' | 'POST', url: string, payload?: object, key = t.adminKey) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });

  const slugFor = (method: string, path: string): string => {
    const tool = tools.find((candidate) => candidate.request.method === method && candidate.request.path === path);
    expect(tool, `${method} ${path}`).toBeDefined();
    return tool.slug;
  };

  async function execute(slug: string, args: object) {
    const response = await inject('POST', `/v1/tools/${slug}/execute`, { user_id: USER, arguments: args });
    expect(response.statusCode, response.body).toBe(200);
    const result = response.json();
    expect(result.successful, `${slug}: ${result.error}`).toBe(true);
    return result.data;
  }

  beforeAll(async () => {
    bitbucket = await startBitbucketEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' } });
    specServer = createServer((request, response) => {
      if (request.url === '/notes.yaml') {
        response.writeHead(200, { 'content-type': 'application/yaml' });
        response.end(notesYaml);
      } else {
        response.writeHead(404).end('no');
      }
    });
    await new Promise<void>((resolve) => specServer.listen(0, '127.0.0.1', resolve));
    specBase = `http://127.0.0.1:${(specServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t?.close();
    await bitbucket?.close();
    await new Promise((resolve) => specServer?.close(resolve));
  });

  it('imports the official Bitbucket description (1.5 MB) and accounts for all 331 operations', async () => {
    const response = await inject('POST', '/v1/toolkits/import', { spec: bitbucketSpec });
    expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
    const body = response.json();
    expect(body.status).toBe('created');
    expect(body.toolkit).toMatchObject({ slug: 'bitbucket_api', name: 'Bitbucket API', source: 'custom' });
    expect(body.summary.operations).toBe(331);
    expect(body.summary.imported + body.summary.skipped.length).toBe(331);
    const toolkit = await inject('GET', '/v1/toolkits/bitbucket_api');
    expect(toolkit.statusCode).toBe(200);
    expect(toolkit.json().tools).toHaveLength(body.summary.imported);
    const [row] = await t.server.database.db.select().from(tables.toolkits).where(eq(tables.toolkits.slug, 'bitbucket_api'));
    tools = (row!.definition as { tools: unknown[] }).tools;
  });

  it('runs imported tools against the Bitbucket emulator with basic auth', async () => {
    const account = await inject('POST', '/v1/connected-accounts', {
      user_id: USER,
      toolkit: 'bitbucket_api',
      auth_scheme: 'basic',
      credentials: { username: DEFAULT_ACCOUNT.email, password: DEFAULT_ACCOUNT.apiToken },
      base_url: bitbucket.baseUrl,
    });
    expect(account.statusCode, account.body).toBe(201);

    const user = await execute(slugFor('GET', '/user'), {});
    expect(user).toMatchObject({ type: 'user', display_name: expect.any(String) });
    expect(bitbucket.requests.at(-1)!.headers.authorization).toMatch(/^Basic/);

    const workspaces = await execute(slugFor('GET', '/workspaces'), { role: 'owner' });
    expect(workspaces.values.map((workspace: { slug: string }) => workspace.slug)).toContain(SEED.workspace);

    const head = bitbucket.state.headCommit(SEED.workspace, SEED.repository);
    const branch = await execute(slugFor('POST', '/repositories/{workspace}/{repo_slug}/refs/branches'), {
      workspace: SEED.workspace,
      repo_slug: SEED.repository,
      body: { name: 'feature/imported', target: { hash: head.hash } },
    });
    expect(branch).toMatchObject({ name: 'feature/imported', target: expect.objectContaining({ hash: head.hash }) });

    const issue = await execute(slugFor('POST', '/repositories/{workspace}/{repo_slug}/issues'), {
      workspace: SEED.workspace,
      repo_slug: SEED.repository,
      type: 'issue',
      title: 'Imported tools work',
    });
    expect(issue).toMatchObject({ title: 'Imported tools work' });
    const comment = await execute(slugFor('POST', '/repositories/{workspace}/{repo_slug}/issues/{issue_id}/comments'), {
      workspace: SEED.workspace,
      repo_slug: SEED.repository,
      issue_id: String(issue.id),
      type: 'issue_comment',
      content: { raw: 'Commented through an imported tool.' },
    });
    expect(comment).toMatchObject({ content: expect.objectContaining({ raw: 'Commented through an imported tool.' }) });
    expect(bitbucket.requests.at(-1)!.body).toEqual({ type: 'issue_comment', content: { raw: 'Commented through an imported tool.' } });

    const file = await execute(slugFor('GET', '/repositories/{workspace}/{repo_slug}/src/{commit}/{+path}'), {
      workspace: SEED.workspace,
      repo_slug: SEED.repository,
      commit: 'main',
      path: 'src/index.ts',
    });
    expect(typeof file).toBe('string');
    expect(bitbucket.requests.at(-1)!.path).toBe(`/2.0/repositories/${SEED.workspace}/${SEED.repository}/src/main/src/index.ts`);
  });

  it('updates instead of duplicating: the same spec again is a no-op, a changed one a new version', async () => {
    const before = (await inject('GET', '/v1/toolkits/bitbucket_api')).json().version;
    const again = await inject('POST', '/v1/toolkits/import', { spec: JSON.parse(bitbucketSpec) });
    expect(again.statusCode, again.body.slice(0, 300)).toBe(200);
    expect(again.json()).toMatchObject({ status: 'unchanged', toolkit: { version: before } });
    const versionRows = () =>
      t.server.database.db
        .select()
        .from(tables.toolkitVersions)
        .where(and(eq(tables.toolkitVersions.slug, 'bitbucket_api')));
    expect(await versionRows()).toHaveLength(1);

    const changed = JSON.parse(bitbucketSpec);
    changed.paths['/user'].get.summary = 'Who am I';
    const updated = await inject('POST', '/v1/toolkits/import', { spec: changed });
    expect(updated.statusCode, updated.body.slice(0, 300)).toBe(200);
    expect(updated.json().status).toBe('updated');
    expect(updated.json().toolkit.version).not.toBe(before);
    expect(await versionRows()).toHaveLength(2);
    const list = (await inject('GET', '/v1/toolkits?limit=100')).json().items.filter((item: { slug: string }) => item.slug === 'bitbucket_api');
    expect(list).toHaveLength(1);
    expect((await inject('GET', `/v1/tools/${slugFor('GET', '/user')}`)).json().name).toBe('Who am I');
  });

  it('imports YAML text and from a URL (outbound safety applies), with overrides', async () => {
    const fromText = await inject('POST', '/v1/toolkits/import', { spec: notesYaml, slug: 'notes_text', base_url: 'https://notes.example.com' });
    expect(fromText.statusCode, fromText.body).toBe(200);
    expect(fromText.json()).toMatchObject({ status: 'created', toolkit: { slug: 'notes_text' }, summary: { operations: 5, imported: 4 } });

    const fromUrl = await inject('POST', '/v1/toolkits/import', { url: `${specBase}/notes.yaml`, slug: 'notes_url', auth: 'bearer' });
    expect(fromUrl.statusCode, fromUrl.body).toBe(200);
    expect(fromUrl.json().toolkit).toMatchObject({ slug: 'notes_url', auth_schemes: [expect.objectContaining({ type: 'bearer' })] });

    const missing = await inject('POST', '/v1/toolkits/import', { url: `${specBase}/nothing.yaml` });
    expect(missing.json().error).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('answered HTTP 404') });
    const blocked = await inject('POST', '/v1/toolkits/import', { url: 'http://169.254.169.254/latest/spec.json' });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('OUTBOUND_BLOCKED');
  });

  it('answers broken input with clear 400s and writes nothing', async () => {
    const cases: [object, RegExp][] = [
      [{ spec: '{"openapi": "3.0.0",' }, /not valid JSON/],
      [{ spec: 'title: [unclosed' }, /neither JSON nor valid YAML/],
      [{ spec: { hello: 'world' } }, /not an OpenAPI description/],
      [{ spec: { openapi: '3.0.0', info: { title: 'Empty', version: '1' }, paths: {} } }, /no "paths"/],
      [{ spec: { openapi: '3.0.0', info: { title: 'Empty', version: '1' }, servers: [{ url: 'https://x.example' }], paths: { '/a': {} } } }, /no operations/],
      [{}, /either "spec".*or "url"/],
      [{ spec: notesYaml, url: `${specBase}/notes.yaml` }, /either "spec".*or "url"/],
    ];
    const before = (await inject('GET', '/v1/toolkits?limit=100')).json().items.length;
    for (const [payload, message] of cases) {
      const response = await inject('POST', '/v1/toolkits/import', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(message) });
    }
    const builtin = await inject('POST', '/v1/toolkits/import', { spec: notesYaml, slug: 'bitbucket' });
    expect(builtin.statusCode).toBe(409);
    expect((await inject('GET', '/v1/toolkits?limit=100')).json().items.length).toBe(before);
  });

  it('needs the manage scope', async () => {
    const created = await inject('POST', '/v1/api-keys', { name: 'executor', scopes: ['tools:execute'] });
    expect(created.statusCode, created.body).toBe(201);
    const response = await inject('POST', '/v1/toolkits/import', { url: `${specBase}/notes.yaml` }, created.json().key);
    expect(response.statusCode).toBe(403);
  });
});
