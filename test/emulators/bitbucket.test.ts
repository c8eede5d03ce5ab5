import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BitbucketEmulator,
  basicAuthorization,
  bitbucketRoutes,
  DEFAULT_ACCESS_TOKEN,
  DEFAULT_ACCOUNT,
  MEMBER_ACCOUNT,
  OUTSIDER_ACCOUNT,
  SEED,
  startBitbucketEmulator,
} from './bitbucket/index.js';

// A copy of ../shared/data/openapi/bitbucket-cloud-2.0.json, so the test runs in any clone.
const specPath = join(import.meta.dirname, '../fixtures/openapi/bitbucket-cloud-2.0.json');

interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  json: any;
  text: string;
}

const errorShape = { type: 'error', error: { message: expect.any(String) } };

describe('Bitbucket Cloud emulator', () => {
  let bitbucket: BitbucketEmulator;

  beforeEach(async () => {
    bitbucket = await startBitbucketEmulator();
  });
  afterEach(async () => bitbucket?.close());

  /** A request to `${baseUrl}${path}` as the default account unless `authorization` says otherwise. */
  async function api(
    method: string,
    path: string,
    options: { body?: unknown; authorization?: string | null; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const authorization = options.authorization === undefined ? basicAuthorization() : options.authorization;
    if (authorization !== null) headers.authorization = authorization;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${bitbucket.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  }

  describe('repository → branch → pull request', () => {
    it('creates a repository, branches from its head commit, opens a pull request and lists it', async () => {
      const created = await api('POST', '/repositories/acme/rocket', {
        body: {
          scm: 'git',
          description: 'Rocket',
          is_private: false,
          fork_policy: 'no_forks',
          has_issues: true,
          language: 'TypeScript',
          project: { key: 'OPS' },
        },
      });
      expect(created.status).toBe(200);
      expect(created.json).toMatchObject({
        type: 'repository',
        full_name: 'acme/rocket',
        slug: 'rocket',
        is_private: false,
        fork_policy: 'no_forks',
        language: 'typescript',
        project: { type: 'project', key: 'OPS' },
        mainbranch: { type: 'branch', name: 'main' },
        workspace: { slug: 'acme' },
      });
      expect(created.json.uuid).toMatch(/^\{[0-9a-f-]{36}\}$/);

      const again = await api('POST', '/repositories/acme/rocket', { body: {} });
      expect(again.status).toBe(400);
      expect(again.json).toMatchObject(errorShape);

      const head = bitbucket.state.headCommit('acme', 'rocket');
      expect(head.hash).toMatch(/^[0-9a-f]{40}$/);
      expect([...head.files.keys()]).toContain('README.md');

      const branch = await api('POST', '/repositories/acme/rocket/refs/branches', { body: { name: 'feature/launch', target: { hash: head.hash } } });
      expect(branch.status).toBe(201);
      expect(branch.json).toMatchObject({ type: 'branch', name: 'feature/launch', target: { type: 'commit', hash: head.hash } });
      expect(branch.headers.get('location')).toBe(`${bitbucket.baseUrl}/repositories/acme/rocket/refs/branches/feature%2Flaunch`);
      bitbucket.state.commitFiles('acme', 'rocket', 'feature/launch', { 'src/launch.ts': 'export const go = true;\n' });

      const pullRequest = await api('POST', '/repositories/acme/rocket/pullrequests', {
        body: { title: 'Launch', description: 'Adds launch', source: { branch: { name: 'feature/launch' } }, reviewers: [{ uuid: MEMBER_ACCOUNT.uuid }] },
      });
      expect(pullRequest.status).toBe(201);
      expect(pullRequest.json).toMatchObject({
        type: 'pullrequest',
        id: 1,
        title: 'Launch',
        state: 'OPEN',
        close_source_branch: false,
        draft: false,
        author: { uuid: DEFAULT_ACCOUNT.uuid, display_name: DEFAULT_ACCOUNT.display_name },
        source: { branch: { name: 'feature/launch' }, repository: { full_name: 'acme/rocket' } },
        destination: { branch: { name: 'main' }, repository: { full_name: 'acme/rocket' } },
        reviewers: [{ uuid: MEMBER_ACCOUNT.uuid }],
        participants: [{ type: 'participant', role: 'REVIEWER', approved: false, user: { uuid: MEMBER_ACCOUNT.uuid } }],
        summary: { raw: 'Adds launch' },
      });
      expect(pullRequest.headers.get('location')).toBe(`${bitbucket.baseUrl}/repositories/acme/rocket/pullrequests/1`);

      const fetched = await api('GET', '/repositories/acme/rocket/pullrequests/1');
      expect(fetched.status).toBe(200);
      expect(fetched.json).toEqual(pullRequest.json);

      const listed = await api('GET', '/repositories/acme/rocket/pullrequests');
      expect(listed.json).toMatchObject({ size: 1, page: 1, pagelen: 10, values: [{ id: 1, title: 'Launch' }] });
      expect(listed.json.next).toBeUndefined();
    });

    it('rejects bad branches: duplicate name, refs/heads prefix, unknown or ambiguous hash', async () => {
      const head = bitbucket.state.headCommit('acme', SEED.repository).hash;
      const create = (body: unknown) => api('POST', `/repositories/acme/${SEED.repository}/refs/branches`, { body });
      expect((await create({ name: 'main', target: { hash: head } })).status).toBe(400);
      expect((await create({ name: 'refs/heads/x', target: { hash: head } })).json.error.message).toMatch(/refs\//);
      expect((await create({ name: 'x', target: { hash: 'f'.repeat(40) } })).status).toBe(400);
      expect((await create({ name: 'bad name', target: { hash: head } })).status).toBe(400);
      expect((await create({ name: 'x' })).status).toBe(400);
      expect((await create({ name: 'short', target: { hash: head.slice(0, 7) } })).status).toBe(201);
      expect((await api('GET', `/repositories/acme/${SEED.repository}/refs/branches/short`)).json.target.hash).toBe(head);
    });

    it('validates pull requests: source must exist and differ, reviewers must be known and not the author', async () => {
      bitbucket.state.createBranch('acme', SEED.repository, 'topic');
      const open = (body: Record<string, unknown>) => api('POST', `/repositories/acme/${SEED.repository}/pullrequests`, { body: { title: 'T', ...body } });
      expect((await open({ source: { branch: { name: 'nope' } } })).status).toBe(400);
      expect((await open({ source: { branch: { name: 'main' } } })).status).toBe(400);
      expect((await open({ source: { branch: { name: 'topic' } }, destination: { branch: { name: 'nope' } } })).status).toBe(400);
      expect((await open({ source: { branch: { name: 'topic' } }, reviewers: [{ uuid: '{00000000-0000-4000-8000-000000000000}' }] })).status).toBe(400);
      expect((await open({ source: { branch: { name: 'topic' } }, reviewers: [{ account_id: DEFAULT_ACCOUNT.account_id }] })).status).toBe(400);
      expect((await api('POST', `/repositories/acme/${SEED.repository}/pullrequests`, { body: { source: { branch: { name: 'topic' } } } })).status).toBe(400);
      const byAccountId = await open({ source: { branch: { name: 'topic' } }, reviewers: [{ account_id: MEMBER_ACCOUNT.account_id }], draft: true });
      expect(byAccountId.status).toBe(201);
      expect(byAccountId.json).toMatchObject({ id: 1, draft: true, reviewers: [{ account_id: MEMBER_ACCOUNT.account_id }] });
    });

    it('filters pull requests by repeatable state and pages them with full next links (pagelen capped at 50)', async () => {
      for (const name of ['a', 'b', 'c']) {
        bitbucket.state.createBranch('acme', SEED.repository, name);
        await api('POST', `/repositories/acme/${SEED.repository}/pullrequests`, { body: { title: `PR ${name}`, source: { branch: { name } } } });
      }
      bitbucket.state.requireRepository('acme', SEED.repository).pullRequests.get(2)!.state = 'MERGED';
      const base = `/repositories/acme/${SEED.repository}/pullrequests`;

      expect((await api('GET', base)).json.values.map((pr: { id: number }) => pr.id)).toEqual([1, 3]);
      expect((await api('GET', `${base}?state=MERGED`)).json.values.map((pr: { id: number }) => pr.id)).toEqual([2]);
      expect((await api('GET', `${base}?state=OPEN&state=MERGED`)).json.size).toBe(3);
      expect((await api('GET', `${base}?state=BOGUS`)).status).toBe(400);
      expect((await api('GET', `${base}?pagelen=100`)).json.pagelen).toBe(50);

      const first = await api('GET', `${base}?state=OPEN&state=MERGED&pagelen=2`);
      expect(first.json).toMatchObject({ size: 3, page: 1, pagelen: 2 });
      expect(first.json.next).toMatch(new RegExp(`^${bitbucket.baseUrl}/repositories/acme/widgets/pullrequests\\?`));
      const second = (await fetch(first.json.next, { headers: { authorization: basicAuthorization() } }).then((response) => response.json())) as {
        next?: string;
        previous?: string;
      };
      expect(second).toMatchObject({ page: 2, values: [{ id: 3 }] });
      expect(second.next).toBeUndefined();
      expect(second.previous).toContain('page=1');
    });

    it('lists, filters and sorts repositories, and deletes one', async () => {
      expect((await api('GET', '/repositories/acme')).json.values.map((repo: { slug: string }) => repo.slug)).toEqual(['widgets', 'legacy']);
      expect((await api('GET', '/repositories/acme?q=name~"WID"')).json.values.map((repo: { slug: string }) => repo.slug)).toEqual(['widgets']);
      expect((await api('GET', '/repositories/acme?q=project.key="OPS"')).json.values.map((repo: { slug: string }) => repo.slug)).toEqual(['legacy']);
      expect((await api('GET', '/repositories/acme?sort=name')).json.values.map((repo: { slug: string }) => repo.slug)).toEqual(['legacy', 'widgets']);
      bitbucket.state.commitFiles('acme', 'legacy', 'main', { 'x.txt': 'x' });
      expect((await api('GET', '/repositories/acme?sort=-updated_on')).json.values[0].slug).toBe('legacy');
      expect((await api('GET', '/repositories/acme?role=admin')).json.size).toBe(2);
      expect((await api('GET', '/repositories/acme?q=name="unterminated')).status).toBe(400);
      expect((await api('GET', '/repositories/nowhere')).json).toEqual({ type: 'error', error: { message: "No workspace with identifier 'nowhere'." } });

      expect(
        (await api('DELETE', '/repositories/acme/legacy', { authorization: basicAuthorization(MEMBER_ACCOUNT.email, MEMBER_ACCOUNT.apiToken) })).status,
      ).toBe(403);
      const deleted = await api('DELETE', '/repositories/acme/legacy');
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await api('GET', '/repositories/acme/legacy')).json).toEqual({ type: 'error', error: { message: 'Repository acme/legacy not found' } });
    });

    it('puts a repository created without a project into the oldest project', async () => {
      const created = await api('POST', '/repositories/acme/plain');
      expect(created.json).toMatchObject({ is_private: true, fork_policy: 'allow_forks', has_issues: true, has_wiki: true, project: { key: SEED.projectKey } });
      expect((await api('POST', '/repositories/acme/other', { body: { project: { key: 'NOPE' } } })).status).toBe(400);
      expect((await api('POST', '/repositories/acme/other', { body: { fork_policy: 'sometimes' } })).status).toBe(400);
    });
  });

  describe('issues', () => {
    const issues = `/repositories/acme/${SEED.repository}/issues`;

    it('creates, updates, comments on and deletes an issue', async () => {
      const created = await api('POST', issues, {
        body: {
          title: 'Crash on start',
          content: { raw: 'It **crashes**.' },
          priority: 'critical',
          assignee: { username: MEMBER_ACCOUNT.username },
          component: { name: 'api' },
        },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        type: 'issue',
        id: 1,
        title: 'Crash on start',
        state: 'new',
        kind: 'bug',
        priority: 'critical',
        reporter: { uuid: DEFAULT_ACCOUNT.uuid },
        assignee: { uuid: MEMBER_ACCOUNT.uuid },
        component: { name: 'api' },
        milestone: null,
        content: { raw: 'It **crashes**.', markup: 'markdown' },
        repository: { full_name: 'acme/widgets' },
      });
      expect(created.headers.get('location')).toBe(`${bitbucket.baseUrl}${issues}/1`);
      expect((await api('POST', issues, { body: { title: 'Second' } })).json.id).toBe(2);

      const updated = await api('PUT', `${issues}/1`, {
        body: { title: 'Crash on start-up', state: 'on hold', component: null, version: { name: '1.0' }, assignee: { account_id: DEFAULT_ACCOUNT.account_id } },
      });
      expect(updated.status).toBe(200);
      expect(updated.json).toMatchObject({
        title: 'Crash on start-up',
        state: 'on hold',
        priority: 'critical',
        component: null,
        version: { name: '1.0' },
        assignee: { uuid: DEFAULT_ACCOUNT.uuid },
        content: { raw: 'It **crashes**.' },
      });
      expect(updated.json.edited_on).not.toBeNull();

      const comment = await api('POST', `${issues}/1/comments`, { body: { content: { raw: 'Seen on 2.0 too.' } } });
      expect(comment.status).toBe(201);
      expect(comment.json).toMatchObject({
        type: 'issue_comment',
        content: { raw: 'Seen on 2.0 too.' },
        user: { uuid: DEFAULT_ACCOUNT.uuid },
        issue: { id: 1 },
      });
      expect((await api('GET', `${issues}/1/comments`)).json.values).toHaveLength(1);
      expect((await api('GET', `${issues}/1`)).json.title).toBe('Crash on start-up');

      const deleted = await api('DELETE', `${issues}/1`);
      expect(deleted.status).toBe(204);
      expect((await api('GET', `${issues}/1`)).status).toBe(404);
      expect((await api('POST', issues, { body: { title: 'Third' } })).json.id).toBe(3);
    });

    it('rejects invalid issue documents with 400 and a disabled tracker with 404', async () => {
      expect((await api('POST', issues, { body: {} })).status).toBe(400);
      expect((await api('POST', issues, { body: { title: 'x', kind: 'feature' } })).json.error.message).toMatch(/^kind:/);
      expect((await api('POST', issues, { body: { title: 'x', component: { name: 'nope' } } })).status).toBe(400);
      expect((await api('POST', issues, { body: { title: 'x', assignee: { username: 'ghost' } } })).status).toBe(400);
      expect((await api('POST', issues, { body: { title: 'x', content: 'plain string' } })).status).toBe(400);
      expect((await api('POST', issues, { body: ['title'] })).status).toBe(400);
      expect((await api('PUT', `${issues}/99`, { body: { title: 'x' } })).status).toBe(404);

      const disabled = await api('POST', `/repositories/acme/${SEED.repositoryWithoutIssues}/issues`, { body: { title: 'x' } });
      expect(disabled.status).toBe(404);
      expect(disabled.json.error.message).toBe('Repository acme/legacy has no issue tracker.');
    });
  });

  describe('src', () => {
    const src = `/repositories/acme/${SEED.repository}/src`;

    it('returns raw file bytes by branch or commit, with a Content-Type from the extension', async () => {
      const byBranch = await api('GET', `${src}/main/README.md`);
      expect(byBranch.status).toBe(200);
      expect(byBranch.text).toBe('# widgets\n\nThe widgets service.\n');
      expect(byBranch.headers.get('content-type')).toBe('text/markdown');
      expect(byBranch.headers.get('content-disposition')).toBe('attachment; filename="README.md"');
      expect(byBranch.headers.get('etag')).toMatch(/^"[0-9a-f]{40}"$/);

      const hash = bitbucket.state.headCommit('acme', SEED.repository).hash;
      bitbucket.state.commitFiles('acme', SEED.repository, 'main', { 'README.md': '# changed\n' });
      expect((await api('GET', `${src}/${hash}/README.md`)).text).toBe('# widgets\n\nThe widgets service.\n');
      expect((await api('GET', `${src}/main/README.md`)).text).toBe('# changed\n');
      expect((await api('GET', `${src}/main/package.json`)).headers.get('content-type')).toBe('application/json');
      expect((await api('GET', `${src}/main/nope.txt`)).status).toBe(404);
      expect((await api('GET', `${src}/${'0'.repeat(40)}/README.md`)).status).toBe(404);
    });

    it('returns commit_file metadata with format=meta and tree entries (in git order) for directories', async () => {
      const hash = bitbucket.state.headCommit('acme', SEED.repository).hash;
      const meta = await api('GET', `${src}/main/docs/guide.md?format=meta`);
      expect(meta.json).toMatchObject({ type: 'commit_file', path: 'docs/guide.md', attributes: [], size: 26, commit: { type: 'commit', hash } });
      expect((await api('GET', `${src}/main/assets/logo.png?format=meta`)).json.attributes).toEqual(['binary']);

      const root = await api('GET', `${src}/${hash}/`);
      expect(root.json.values.map((entry: { type: string; path: string }) => `${entry.type}:${entry.path}`)).toEqual([
        'commit_file:README.md',
        'commit_directory:assets',
        'commit_directory:docs',
        'commit_file:package.json',
        'commit_directory:src',
      ]);
      expect((await api('GET', `${src}/main/docs`)).json.values).toMatchObject([{ type: 'commit_file', path: 'docs/guide.md' }]);
      expect((await api('GET', `${src}/main/?max_depth=2`)).json.size).toBe(8);
      expect((await api('GET', `${src}/main/docs/?format=meta`)).json).toMatchObject({ type: 'commit_directory', path: 'docs' });

      const redirect = await fetch(`${bitbucket.baseUrl}${src}`, { headers: { authorization: basicAuthorization() }, redirect: 'manual' });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('location')).toBe(`${bitbucket.baseUrl}${src}/${hash}/`);
    });
  });

  describe('snippets', () => {
    const snippet = `/snippets/acme/${SEED.snippet}`;

    it('returns the snippet as JSON by default, with file links that resolve', async () => {
      const response = await api('GET', snippet);
      expect(response.json).toMatchObject({
        type: 'snippet',
        id: 1,
        title: 'Deploy script',
        scm: 'git',
        is_private: true,
        creator: { uuid: DEFAULT_ACCOUNT.uuid },
      });
      expect(Object.keys(response.json.files)).toEqual(['deploy.sh', 'notes.md']);
      const file = await fetch(response.json.files['notes.md'].links.self.href, { headers: { authorization: basicAuthorization() } });
      expect(await file.text()).toBe('# Notes\n\nRun from the repository root.\n');
      expect((await api('GET', `${snippet}/files/deploy.sh`)).text).toContain('npm run build');
    });

    it('returns the whole snippet as multipart/related and multipart/form-data', async () => {
      const related = await api('GET', snippet, { headers: { accept: 'multipart/related' } });
      const contentType = related.headers.get('content-type')!;
      expect(contentType).toMatch(/^multipart\/related; start="snippet"; boundary="/);
      const boundary = /boundary="([^"]+)"/.exec(contentType)![1]!;
      const parts = related.text.split(`--${boundary}`).slice(1, -1);
      expect(parts).toHaveLength(3);
      expect(parts[0]).toContain('Content-ID: snippet');
      expect(JSON.parse(parts[0]!.split('\r\n\r\n')[1]!)).toMatchObject({ type: 'snippet', title: 'Deploy script' });
      expect(parts[1]).toContain('Content-Disposition: attachment; filename="deploy.sh"');
      expect(parts[1]).toContain('#!/bin/sh');

      const formResponse = await fetch(`${bitbucket.baseUrl}${snippet}`, { headers: { authorization: basicAuthorization(), accept: 'multipart/form-data' } });
      const form = await formResponse.formData();
      expect(form.get('title')).toBe('Deploy script');
      const files = form.getAll('file') as File[];
      expect(files.map((file) => file.name)).toEqual(['deploy.sh', 'notes.md']);
      expect(await files[1]!.text()).toContain('# Notes');
    });

    it('adds comments and threaded replies', async () => {
      const top = await api('POST', `${snippet}/comments`, { body: { content: { raw: 'Looks good' } } });
      expect(top.status).toBe(201);
      expect(top.json).toMatchObject({ type: 'snippet_comment', content: { raw: 'Looks good' }, user: { uuid: DEFAULT_ACCOUNT.uuid }, snippet: { id: 1 } });
      const reply = await api('POST', `${snippet}/comments`, { body: { content: { raw: 'Thanks' }, parent: { id: top.json.id } } });
      expect(reply.json.parent.id).toBe(top.json.id);
      expect((await api('POST', `${snippet}/comments`, { body: { content: { raw: 'x' }, parent: { id: 999 } } })).status).toBe(400);
      expect((await api('POST', `${snippet}/comments`, { body: { content: {} } })).status).toBe(400);
      expect((await api('GET', `${snippet}/comments`)).json.size).toBe(2);
      expect((await api('POST', '/snippets/acme/missing/comments', { body: { content: { raw: 'x' } } })).status).toBe(404);
    });
  });

  describe('users and workspaces', () => {
    it('describes the caller, their workspaces and the members', async () => {
      expect((await api('GET', '/user')).json).toMatchObject({
        type: 'user',
        uuid: DEFAULT_ACCOUNT.uuid,
        username: 'dev',
        account_id: DEFAULT_ACCOUNT.account_id,
      });
      expect((await api('GET', '/workspaces?q=slug="acme"')).json).toMatchObject({ size: 1, values: [{ type: 'workspace', slug: 'acme' }] });
      expect((await api('GET', '/workspaces?q=slug="other"')).json.size).toBe(0);
      expect((await api('GET', '/user/workspaces')).json.values).toMatchObject([
        { type: 'workspace_access', administrator: true, workspace: { slug: 'acme' } },
      ]);

      const members = await api('GET', '/workspaces/acme/members');
      expect(members.json.values).toMatchObject([
        { type: 'workspace_membership', user: { uuid: DEFAULT_ACCOUNT.uuid }, workspace: { slug: 'acme' } },
        { type: 'workspace_membership', user: { uuid: MEMBER_ACCOUNT.uuid } },
      ]);
      expect(members.json.values[0].user.email).toBeUndefined();
      const byEmail = await api('GET', `/workspaces/acme/members?q=${encodeURIComponent('user.email IN ("alice@example.com")')}&fields=%2Bvalues.user.email`);
      expect(byEmail.json.values).toMatchObject([{ user: { email: 'alice@example.com' } }]);
      expect((await api('GET', `/workspaces/acme/members/${encodeURIComponent(MEMBER_ACCOUNT.uuid)}`)).json.user.nickname).toBe('alice');
    });
  });

  describe('authentication and authorisation', () => {
    it('answers 401 with the Basic challenge for missing, wrong or revoked credentials', async () => {
      const attempts = [
        await api('GET', '/user', { authorization: null }),
        await api('GET', '/user', { authorization: basicAuthorization(DEFAULT_ACCOUNT.email, 'wrong') }),
        await api('GET', '/user', { authorization: basicAuthorization(DEFAULT_ACCOUNT.username, DEFAULT_ACCOUNT.apiToken) }),
        await api('GET', '/user', { authorization: 'Bearer nope' }),
        await api('GET', `/user?access_token=${DEFAULT_ACCESS_TOKEN}`, { authorization: null }),
      ];
      for (const attempt of attempts) {
        expect(attempt.status).toBe(401);
        expect(attempt.headers.get('www-authenticate')).toBe('Basic realm="Bitbucket.org HTTP"');
        expect(attempt.json).toMatchObject(errorShape);
      }

      expect((await api('GET', '/user', { authorization: `Bearer ${DEFAULT_ACCESS_TOKEN}` })).status).toBe(200);
      bitbucket.revokeAccessToken(DEFAULT_ACCESS_TOKEN);
      const revoked = await api('GET', '/user', { authorization: `Bearer ${DEFAULT_ACCESS_TOKEN}` });
      expect(revoked.status).toBe(401);
      expect(revoked.json.error.message).toBe('Token is invalid, expired, or not supported for this endpoint.');
    });

    it('answers 403 to a non-member on private resources and to a token without the scope', async () => {
      const outsider = basicAuthorization(OUTSIDER_ACCOUNT.email, OUTSIDER_ACCOUNT.apiToken);
      expect((await api('GET', `/repositories/acme/${SEED.repository}`, { authorization: outsider })).status).toBe(403);
      expect((await api('GET', `/repositories/acme/${SEED.repositoryWithoutIssues}`, { authorization: outsider })).status).toBe(200);
      expect((await api('GET', '/repositories/acme', { authorization: outsider })).json.values.map((repo: { slug: string }) => repo.slug)).toEqual(['legacy']);
      expect((await api('GET', `/snippets/acme/${SEED.snippet}`, { authorization: outsider })).status).toBe(403);

      bitbucket.state.addAccessToken('read-only', DEFAULT_ACCOUNT.email, ['repository', 'pullrequest']);
      const readOnly = { authorization: 'Bearer read-only' };
      expect((await api('GET', `/repositories/acme/${SEED.repository}/pullrequests`, readOnly)).status).toBe(200);
      const denied = await api('POST', `/repositories/acme/${SEED.repository}/issues`, { ...readOnly, body: { title: 'x' } });
      expect(denied.status).toBe(403);
      expect(denied.json.error.message).toBe('Your credentials lack one or more required privilege scopes.');
    });

    it('accepts configured accounts and access tokens', async () => {
      const custom = await startBitbucketEmulator({
        accounts: [{ email: 'ci@corp.test', apiToken: 'ci-token', display_name: 'CI Bot' }],
        accessTokens: { 'oauth-1': 'ci@corp.test' },
        workspace: 'corp',
      });
      try {
        const user = await fetch(`${custom.baseUrl}/user`, { headers: { authorization: basicAuthorization('ci@corp.test', 'ci-token') } }).then((r) =>
          r.json(),
        );
        expect(user).toMatchObject({ display_name: 'CI Bot', username: 'ci' });
        const repos = (await fetch(`${custom.baseUrl}/repositories/corp`, { headers: { authorization: 'Bearer oauth-1' } }).then((r) => r.json())) as {
          values: { full_name: string }[];
        };
        expect(repos.values.map((repo) => repo.full_name)).toEqual(['corp/widgets', 'corp/legacy']);
      } finally {
        await custom.close();
      }
    });
  });

  describe('errors and robustness', () => {
    it('answers malformed input with the error body instead of crashing', async () => {
      const issues = `/repositories/acme/${SEED.repository}/issues`;
      const malformed = await api('POST', issues, { body: '{"title": ' });
      expect(malformed.status).toBe(400);
      expect(malformed.json).toMatchObject({ type: 'error', error: { message: 'Invalid request body', detail: expect.stringMatching(/JSON/) } });
      expect((await api('POST', issues, { body: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(400);
      expect((await api('POST', issues, { body: 'null' })).status).toBe(400);
      expect((await api('GET', '/repositories/acme/%E0%A4%A')).status).toBe(400);
      expect((await api('GET', '/repositories/acme?page=0')).status).toBe(400);
      expect((await api('GET', '/repositories/acme?pagelen=abc')).status).toBe(400);
      expect((await api('GET', '/nothing/here')).json).toEqual({ type: 'error', error: { message: 'Resource not found: GET /2.0/nothing/here' } });
      expect((await api('PATCH', '/user')).status).toBe(404);
      expect((await fetch(`${bitbucket.url}/1.0/user`)).status).toBe(404);
      expect((await api('GET', '/user')).status).toBe(200);
    });

    it('records every request with the Authorization header cut to its scheme', async () => {
      await api('POST', `/repositories/acme/${SEED.repository}/issues?x=1&state=a&state=b`, { body: { title: 'Logged' } });
      expect(bitbucket.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: '/2.0/repositories/acme/widgets/issues',
        query: { x: '1', state: ['a', 'b'] },
        headers: { authorization: 'Basic', 'content-type': 'application/json' },
        body: { title: 'Logged' },
        status: 201,
      });
    });
  });

  describe('fault injection', () => {
    it('fails the next requests with the given status, headers and body, then recovers', async () => {
      bitbucket.failNext({ status: 429, times: 2, headers: { 'Retry-After': '1' } });
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const limited = await api('GET', '/user');
        expect(limited.status).toBe(429);
        expect(limited.headers.get('retry-after')).toBe('1');
        expect(limited.json).toMatchObject(errorShape);
      }
      expect((await api('GET', '/user')).status).toBe(200);

      bitbucket.failNext({ status: 503, body: { type: 'error', error: { message: 'Down for maintenance' } } });
      expect((await api('GET', '/user', { authorization: null })).json.error.message).toBe('Down for maintenance');
    });

    it('can answer 200 with a non-JSON body, or stall before answering', async () => {
      bitbucket.failNext({ status: 200, garbage: true });
      const garbage = await api('GET', '/user');
      expect(garbage.status).toBe(200);
      expect(garbage.headers.get('content-type')).toBe('application/json');
      expect(garbage.json).toBeUndefined();

      bitbucket.failNext({ delayMs: 150 });
      const started = Date.now();
      expect((await api('GET', '/user')).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);

      bitbucket.failNext({ status: 504, delayMs: 5_000 });
      await expect(fetch(`${bitbucket.baseUrl}/user`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    });
  });

  describe('contract', () => {
    it('serves only operations of the official OpenAPI description, with its OAuth scopes', () => {
      expect(existsSync(specPath), `the OpenAPI file should be at ${specPath}`).toBe(true);
      const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
        paths: Record<string, Record<string, { security?: { oauth2?: string[] }[]; 'x-atlassian-oauth2-scopes'?: { scopes: string[] }[] }>>;
      };
      for (const route of bitbucketRoutes) {
        const operation = spec.paths[route.path]?.[route.method.toLowerCase()];
        expect(operation, `${route.method} ${route.path}`).toBeDefined();
        const legacyScopes = operation!.security?.find((requirement) => requirement.oauth2)?.oauth2 ?? [];
        expect(route.oauthScope === null ? legacyScopes : [route.oauthScope], `${route.method} ${route.path}`).toEqual(legacyScopes);
        expect(route.tokenScopes, `${route.method} ${route.path}`).toEqual(operation!['x-atlassian-oauth2-scopes']?.[0]?.scopes ?? []);
      }
      const served = new Set(bitbucketRoutes.map((route) => `${route.method} ${route.path}`));
      expect(served.size).toBe(bitbucketRoutes.length);
    });
  });
});
