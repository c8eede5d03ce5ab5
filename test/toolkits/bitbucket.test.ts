import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type BitbucketEmulator,
  DEFAULT_ACCESS_TOKEN,
  DEFAULT_ACCOUNT,
  MEMBER_ACCOUNT,
  type RecordedRequest,
  SEED,
  startBitbucketEmulator,
} from '../emulators/bitbucket/index.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/**
 * The built-in Bitbucket toolkit (src/toolkits/bitbucket/toolkit.yaml) end to end: each tool executed over
 * REST against the Bitbucket emulator, on a success path and on a failure path.
 */

const USER = 'dev-user';
const ALL_TOOLS = [
  'BITBUCKET_CREATE_BRANCH',
  'BITBUCKET_CREATE_ISSUE',
  'BITBUCKET_CREATE_ISSUE_COMMENT',
  'BITBUCKET_CREATE_PULL_REQUEST',
  'BITBUCKET_CREATE_REPOSITORY',
  'BITBUCKET_CREATE_SNIPPET_COMMENT',
  'BITBUCKET_DELETE_ISSUE',
  'BITBUCKET_DELETE_REPOSITORY',
  'BITBUCKET_GET_CURRENT_USER',
  'BITBUCKET_GET_FILE_FROM_REPOSITORY',
  'BITBUCKET_GET_PULL_REQUEST',
  'BITBUCKET_GET_SNIPPET',
  'BITBUCKET_LIST_PULL_REQUESTS',
  'BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE',
  'BITBUCKET_LIST_WORKSPACES',
  'BITBUCKET_LIST_WORKSPACE_MEMBERS',
  'BITBUCKET_UPDATE_ISSUE',
];

interface ExecuteResult {
  // biome-ignore lint/suspicious/noExplicitAny: tool data is checked field by field
  data: any;
  error: string | null;
  successful: boolean;
  log_id: string;
  error_code?: string;
  error_details?: Record<string, unknown>;
}

describe.skipIf(!testDatabaseAvailable())('Bitbucket toolkit', () => {
  let t: TestServer;
  let bitbucket: BitbucketEmulator;
  let basicAccountId: string;
  let bearerAccountId: string;
  const succeeded = new Set<string>();
  const failed = new Set<string>();

  const inject = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });

  async function execute(slug: string, args: object, extra: object = {}): Promise<ExecuteResult> {
    const response = await inject('POST', `/v1/tools/${slug}/execute`, { user_id: USER, arguments: args, ...extra });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  /** Executes a tool that must succeed and returns its data. */
  async function ok(slug: string, args: object, extra: object = {}) {
    const result = await execute(slug, args, extra);
    expect(result.successful, result.error ?? '').toBe(true);
    expect(result.error).toBeNull();
    succeeded.add(slug);
    return result.data;
  }

  /** Executes a tool that Bitbucket must refuse with `status`; returns the result. */
  async function upstreamFailure(slug: string, args: object, status: number, extra: object = {}): Promise<ExecuteResult> {
    const result = await execute(slug, args, extra);
    expect(result).toMatchObject({
      successful: false,
      data: null,
      error_code: status === 429 ? 'UPSTREAM_RATE_LIMITED' : 'UPSTREAM_ERROR',
      error_details: { status, upstream_message: expect.any(String) },
    });
    expect(result.error).toContain(`answered ${status}`);
    expect(result.error).toContain(result.error_details!.upstream_message as string);
    failed.add(slug);
    return result;
  }

  /** Executes a tool with bad arguments: a 400 naming the field, and nothing sent to Bitbucket. */
  async function invalid(slug: string, args: object, field: string, message?: string | RegExp) {
    const before = bitbucket.requests.length;
    const response = await inject('POST', `/v1/tools/${slug}/execute`, { user_id: USER, arguments: args });
    expect(response.statusCode, response.body).toBe(400);
    const error = response.json().error;
    expect(error.code).toBe('VALIDATION_FAILED');
    const issue = error.details.issues.find((candidate: { field: string }) => candidate.field === field);
    expect(issue, JSON.stringify(error.details.issues)).toBeDefined();
    if (message) expect(issue.message).toMatch(message);
    expect(bitbucket.requests.length).toBe(before);
    failed.add(slug);
  }

  const lastRequest = (): RecordedRequest => bitbucket.requests.at(-1)!;

  beforeAll(async () => {
    bitbucket = await startBitbucketEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '3000' } });
    const basic = await inject('POST', '/v1/connected-accounts', {
      user_id: USER,
      toolkit: 'bitbucket',
      auth_scheme: 'basic',
      credentials: { email: DEFAULT_ACCOUNT.email, api_token: DEFAULT_ACCOUNT.apiToken },
      base_url: bitbucket.baseUrl,
    });
    expect(basic.statusCode, basic.body).toBe(201);
    expect(basic.json()).toMatchObject({ auth_scheme: 'basic', is_default: true, credential_hints: { email: DEFAULT_ACCOUNT.email } });
    expect(basic.body).not.toContain(DEFAULT_ACCOUNT.apiToken);
    basicAccountId = basic.json().id;

    const bearer = await inject('POST', '/v1/connected-accounts', {
      user_id: USER,
      toolkit: 'bitbucket',
      auth_scheme: 'bearer',
      credentials: { access_token: DEFAULT_ACCESS_TOKEN },
      base_url: bitbucket.baseUrl,
    });
    expect(bearer.statusCode, bearer.body).toBe(201);
    expect(bearer.json()).toMatchObject({ auth_scheme: 'bearer', is_default: false });
    bearerAccountId = bearer.json().id;
  });
  afterAll(async () => {
    await t?.close();
    await bitbucket?.close();
  });
  beforeEach(() => {
    bitbucket.requests.length = 0;
  });

  it('is served as a built-in toolkit with its 17 tools and three auth schemes', async () => {
    const toolkit = (await inject('GET', '/v1/toolkits/bitbucket')).json();
    expect(toolkit).toMatchObject({ slug: 'bitbucket', source: 'builtin', version: '1.0.0', tools_count: 17 });
    expect(toolkit.auth_schemes.map((scheme: { type: string }) => scheme.type)).toEqual(['basic', 'oauth2', 'bearer']);
    const tools = (await inject('GET', '/v1/tools?toolkit=bitbucket&limit=100')).json();
    expect(tools.items.map((tool: { slug: string }) => tool.slug).sort()).toEqual(ALL_TOOLS);
    const search = (await inject('GET', '/v1/tools?toolkit=bitbucket&q=pull request')).json();
    expect(search.items.map((tool: { slug: string }) => tool.slug)).toContain('BITBUCKET_CREATE_PULL_REQUEST');
  });

  describe('users and workspaces', () => {
    it('GET_CURRENT_USER returns the profile of the connected account', async () => {
      const user = await ok('BITBUCKET_GET_CURRENT_USER', {});
      expect(user).toMatchObject({
        type: 'user',
        uuid: DEFAULT_ACCOUNT.uuid,
        display_name: DEFAULT_ACCOUNT.display_name,
        account_id: DEFAULT_ACCOUNT.account_id,
        created_on: expect.any(String),
        links: { avatar: { href: expect.any(String) } },
      });
      expect(lastRequest()).toMatchObject({ method: 'GET', path: '/2.0/user', headers: { authorization: 'Basic', accept: 'application/json' } });
    });

    it('GET_CURRENT_USER: unknown arguments are refused, bad credentials come back as a 401', async () => {
      await invalid('BITBUCKET_GET_CURRENT_USER', { verbose: true }, 'verbose', 'is not an argument of this tool');
      const account = await inject('POST', '/v1/connected-accounts', {
        user_id: 'mallory',
        toolkit: 'bitbucket',
        credentials: { email: DEFAULT_ACCOUNT.email, api_token: 'wrong-token' },
        base_url: bitbucket.baseUrl,
      });
      expect(account.statusCode).toBe(201);
      const response = await inject('POST', '/v1/tools/BITBUCKET_GET_CURRENT_USER/execute', { user_id: 'mallory', arguments: {} });
      expect(response.json()).toMatchObject({
        successful: false,
        error_code: 'UPSTREAM_ERROR',
        error_details: { status: 401, upstream_message: 'Login failed due to incorrect login credentials or method.' },
      });
    });

    it('LIST_WORKSPACES lists the workspaces the user can access, filtered and sorted by slug', async () => {
      const page = await ok('BITBUCKET_LIST_WORKSPACES', {});
      expect(page).toMatchObject({ page: 1, pagelen: 10, size: 1 });
      expect(page.values).toEqual([
        expect.objectContaining({ type: 'workspace_access', administrator: true, workspace: expect.objectContaining({ slug: SEED.workspace }) }),
      ]);
      expect(lastRequest().path).toBe('/2.0/user/workspaces');

      const filtered = await ok('BITBUCKET_LIST_WORKSPACES', { q: 'slug="acme"', sort: '-slug' });
      expect(filtered.values).toHaveLength(1);
      expect(lastRequest().query).toEqual({ q: 'slug="acme"', sort: '-slug' });
      expect((await ok('BITBUCKET_LIST_WORKSPACES', { q: 'slug="nope"' })).values).toEqual([]);
    });

    it('LIST_WORKSPACES: a sort field other than slug is refused, a broken BBQL query is a 400 from Bitbucket', async () => {
      await invalid('BITBUCKET_LIST_WORKSPACES', { sort: '-created_on' }, 'sort', /must be one of "slug", "-slug"/);
      const result = await upstreamFailure('BITBUCKET_LIST_WORKSPACES', { q: 'slug = ' }, 400);
      expect(result.error).toContain('Invalid query');
    });

    it('LIST_WORKSPACE_MEMBERS lists members with their uuid and account id', async () => {
      const page = await ok('BITBUCKET_LIST_WORKSPACE_MEMBERS', { workspace: SEED.workspace });
      expect(page).toMatchObject({ page: 1, pagelen: 10, size: 2 });
      expect(page.values).toContainEqual(
        expect.objectContaining({
          type: 'workspace_membership',
          user: expect.objectContaining({ display_name: MEMBER_ACCOUNT.display_name, nickname: 'alice', uuid: MEMBER_ACCOUNT.uuid }),
          workspace: expect.objectContaining({ slug: SEED.workspace }),
        }),
      );
      expect(lastRequest().path).toBe('/2.0/workspaces/acme/members');
    });

    it('LIST_WORKSPACE_MEMBERS: a missing workspace is required, an unknown one is a 404', async () => {
      await invalid('BITBUCKET_LIST_WORKSPACE_MEMBERS', {}, 'workspace', 'is required');
      const result = await upstreamFailure('BITBUCKET_LIST_WORKSPACE_MEMBERS', { workspace: 'nope' }, 404);
      expect(result.error_details!.upstream_message).toBe("No workspace with identifier 'nope'.");
    });
  });

  describe('repositories, branches and pull requests', () => {
    it('LIST_REPOSITORIES_IN_WORKSPACE lists, filters with BBQL and sorts', async () => {
      const all = await ok('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE', { workspace: SEED.workspace });
      expect(all).toMatchObject({ page: 1, size: 2 });
      expect(all.values.map((repository: { full_name: string }) => repository.full_name).sort()).toEqual(['acme/legacy', 'acme/widgets']);

      const filtered = await ok('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE', {
        workspace: SEED.workspace,
        q: 'name~"widg"',
        role: 'member',
        sort: '-updated_on',
      });
      expect(filtered.values).toEqual([
        expect.objectContaining({ full_name: 'acme/widgets', is_private: true, mainbranch: expect.objectContaining({ name: 'main' }) }),
      ]);
      expect(lastRequest()).toMatchObject({ path: '/2.0/repositories/acme', query: { q: 'name~"widg"', role: 'member', sort: '-updated_on' } });
    });

    it('LIST_REPOSITORIES_IN_WORKSPACE: an unknown role is refused, an unknown workspace is a 404', async () => {
      await invalid('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE', { workspace: SEED.workspace, role: 'writer' }, 'role', /must be one of/);
      await upstreamFailure('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE', { workspace: 'nope' }, 404);
    });

    it('create repository → create branch → create pull request → get it → list it', async () => {
      const repository = await ok('BITBUCKET_CREATE_REPOSITORY', {
        workspace: SEED.workspace,
        repo_slug: 'rocket',
        description: 'Rocket service',
        language: 'typescript',
        project_key: SEED.otherProjectKey,
      });
      expect(repository).toMatchObject({
        type: 'repository',
        full_name: 'acme/rocket',
        is_private: true,
        fork_policy: 'allow_forks',
        has_issues: true,
        has_wiki: true,
        description: 'Rocket service',
        project: expect.objectContaining({ key: SEED.otherProjectKey }),
        mainbranch: expect.objectContaining({ name: 'main' }),
      });
      expect(lastRequest()).toMatchObject({ method: 'POST', path: '/2.0/repositories/acme/rocket', headers: { 'content-type': 'application/json' } });
      expect(lastRequest().body).toEqual({
        scm: 'git',
        is_private: true,
        description: 'Rocket service',
        fork_policy: 'allow_forks',
        has_issues: true,
        has_wiki: true,
        language: 'typescript',
        project: { key: SEED.otherProjectKey },
      });

      const head = bitbucket.state.headCommit(SEED.workspace, 'rocket');
      const branch = await ok('BITBUCKET_CREATE_BRANCH', { workspace: SEED.workspace, repo_slug: 'rocket', name: 'feature/launch', target_hash: head.hash });
      expect(branch).toMatchObject({ type: 'branch', name: 'feature/launch', target: expect.objectContaining({ hash: head.hash }) });
      expect(lastRequest()).toMatchObject({
        path: '/2.0/repositories/acme/rocket/refs/branches',
        body: { name: 'feature/launch', target: { hash: head.hash } },
      });
      expect(bitbucket.state.requireRepository(SEED.workspace, 'rocket').branches.get('feature/launch')).toBe(head.hash);

      const created = await ok('BITBUCKET_CREATE_PULL_REQUEST', {
        workspace: SEED.workspace,
        repo_slug: 'rocket',
        title: 'Launch',
        source_branch: 'feature/launch',
        description: 'Ready for **review**.',
        reviewers: [{ uuid: MEMBER_ACCOUNT.uuid }],
      });
      expect(created).toMatchObject({ type: 'pullrequest', id: 1, title: 'Launch', state: 'OPEN' });
      expect(lastRequest().body).toEqual({
        title: 'Launch',
        description: 'Ready for **review**.',
        source: { branch: { name: 'feature/launch' } },
        close_source_branch: false,
        reviewers: [{ uuid: MEMBER_ACCOUNT.uuid }],
      });

      const fetched = await ok('BITBUCKET_GET_PULL_REQUEST', { workspace: SEED.workspace, repo_slug: 'rocket', pull_request_id: created.id });
      expect(Object.keys(fetched)).toEqual(['pull_request']);
      expect(fetched.pull_request).toMatchObject({
        id: 1,
        title: 'Launch',
        description: 'Ready for **review**.',
        state: 'OPEN',
        author: expect.objectContaining({ uuid: DEFAULT_ACCOUNT.uuid }),
        source: expect.objectContaining({ branch: { name: 'feature/launch' } }),
        destination: expect.objectContaining({ branch: expect.objectContaining({ name: 'main' }) }),
        reviewers: [expect.objectContaining({ uuid: MEMBER_ACCOUNT.uuid })],
        participants: [expect.objectContaining({ role: 'REVIEWER', user: expect.objectContaining({ uuid: MEMBER_ACCOUNT.uuid }) })],
        close_source_branch: false,
        links: expect.objectContaining({ html: { href: expect.stringContaining('/pull-requests/1') } }),
      });
      expect(lastRequest().path).toBe('/2.0/repositories/acme/rocket/pullrequests/1');

      const open = await ok('BITBUCKET_LIST_PULL_REQUESTS', { workspace: SEED.workspace, repo_slug: 'rocket' });
      expect(open).toMatchObject({ page: 1, pagelen: 10, size: 1, values: [expect.objectContaining({ id: 1, state: 'OPEN' })] });
      expect(lastRequest().query).toEqual({});
      const merged = await ok('BITBUCKET_LIST_PULL_REQUESTS', { workspace: SEED.workspace, repo_slug: 'rocket', state: 'MERGED', page: 1, pagelen: 5 });
      expect(merged).toMatchObject({ size: 0, pagelen: 5, values: [] });
      expect(lastRequest().query).toEqual({ state: 'MERGED', page: '1', pagelen: '5' });
    });

    it('CREATE_REPOSITORY: the slug is required, a taken slug is a 400 with Bitbucket’s message', async () => {
      await invalid('BITBUCKET_CREATE_REPOSITORY', { workspace: SEED.workspace }, 'repo_slug', 'is required');
      await invalid('BITBUCKET_CREATE_REPOSITORY', { workspace: SEED.workspace, repo_slug: 'x', fork_policy: 'anyone' }, 'fork_policy', /must be one of/);
      const result = await upstreamFailure('BITBUCKET_CREATE_REPOSITORY', { workspace: SEED.workspace, repo_slug: SEED.repository }, 400);
      expect(result.error).toContain('Repository with this Slug and Owner already exists.');
    });

    it('CREATE_BRANCH: refs/heads/ prefixes are refused before calling Bitbucket; an existing name is a 400', async () => {
      const head = bitbucket.state.headCommit(SEED.workspace, SEED.repository).hash;
      await invalid(
        'BITBUCKET_CREATE_BRANCH',
        { workspace: SEED.workspace, repo_slug: SEED.repository, name: 'refs/heads/feature', target_hash: head },
        'name',
        /must match pattern/,
      );
      await invalid('BITBUCKET_CREATE_BRANCH', { workspace: SEED.workspace, repo_slug: SEED.repository, name: 'feature' }, 'target_hash', 'is required');
      const result = await upstreamFailure(
        'BITBUCKET_CREATE_BRANCH',
        { workspace: SEED.workspace, repo_slug: SEED.repository, name: 'main', target_hash: head },
        400,
      );
      expect(result.error).toContain('Branch "main" already exists.');
    });

    it('CREATE_PULL_REQUEST: reviewers need the uuid in braces; a missing source branch is a 400', async () => {
      await invalid(
        'BITBUCKET_CREATE_PULL_REQUEST',
        { workspace: SEED.workspace, repo_slug: SEED.repository, title: 'x', source_branch: 'dev', reviewers: [{ uuid: MEMBER_ACCOUNT.uuid.slice(1, -1) }] },
        'reviewers.0.uuid',
        /must match pattern/,
      );
      await invalid('BITBUCKET_CREATE_PULL_REQUEST', { workspace: SEED.workspace, repo_slug: SEED.repository, title: 'x' }, 'source_branch', 'is required');
      const result = await upstreamFailure(
        'BITBUCKET_CREATE_PULL_REQUEST',
        { workspace: SEED.workspace, repo_slug: SEED.repository, title: 'x', source_branch: 'no-such-branch', destination_branch: 'main' },
        400,
      );
      expect(result.error).toContain('Branch "no-such-branch" does not exist');
      expect(lastRequest().body).toMatchObject({ destination: { branch: { name: 'main' } } });
    });

    it('GET_PULL_REQUEST: the id must be an integer; an unknown one is a 404', async () => {
      await invalid(
        'BITBUCKET_GET_PULL_REQUEST',
        { workspace: SEED.workspace, repo_slug: SEED.repository, pull_request_id: '1' },
        'pull_request_id',
        /integer/,
      );
      const result = await upstreamFailure('BITBUCKET_GET_PULL_REQUEST', { workspace: SEED.workspace, repo_slug: SEED.repository, pull_request_id: 999 }, 404);
      expect(result.error).toContain('Pull request 999 not found');
    });

    it('LIST_PULL_REQUESTS: states are upper case and pages are bounded; an unknown repository is a 404', async () => {
      await invalid('BITBUCKET_LIST_PULL_REQUESTS', { workspace: SEED.workspace, repo_slug: SEED.repository, state: 'open' }, 'state', /must be one of/);
      await invalid('BITBUCKET_LIST_PULL_REQUESTS', { workspace: SEED.workspace, repo_slug: SEED.repository, pagelen: 500 }, 'pagelen');
      const result = await upstreamFailure('BITBUCKET_LIST_PULL_REQUESTS', { workspace: SEED.workspace, repo_slug: 'nope' }, 404);
      expect(result.error_details!.upstream_message).toBe('Repository acme/nope not found');
    });

    it('DELETE_REPOSITORY deletes the repository and says so; deleting it again is a 404', async () => {
      bitbucket.state.addRepository(SEED.workspace, 'doomed');
      const data = await ok('BITBUCKET_DELETE_REPOSITORY', { workspace: SEED.workspace, repo_slug: 'doomed' });
      expect(data).toEqual({ message: expect.stringMatching(/deleted/i) });
      expect(lastRequest()).toMatchObject({ method: 'DELETE', path: '/2.0/repositories/acme/doomed', status: 204 });
      expect(bitbucket.state.findRepository(SEED.workspace, 'doomed')).toBeUndefined();
      await upstreamFailure('BITBUCKET_DELETE_REPOSITORY', { workspace: SEED.workspace, repo_slug: 'doomed' }, 404);
    });
  });

  describe('source', () => {
    it('GET_FILE_FROM_REPOSITORY returns a text file with its commit, path and size', async () => {
      const readme = await ok('BITBUCKET_GET_FILE_FROM_REPOSITORY', {
        workspace: SEED.workspace,
        repo_slug: SEED.repository,
        commit: 'main',
        path: 'README.md',
      });
      const content = '# widgets\n\nThe widgets service.\n';
      expect(readme).toEqual({ data: content, commit: 'main', path: 'README.md', size: Buffer.byteLength(content) });
      expect(lastRequest()).toMatchObject({ path: '/2.0/repositories/acme/widgets/src/main/README.md', headers: { accept: '*/*' } });
    });

    it('GET_FILE_FROM_REPOSITORY keeps the slashes of nested paths and reads at a commit hash', async () => {
      const hash = bitbucket.state.headCommit(SEED.workspace, SEED.repository).hash;
      const file = await ok('BITBUCKET_GET_FILE_FROM_REPOSITORY', {
        workspace: SEED.workspace,
        repo_slug: SEED.repository,
        commit: hash,
        path: 'src/index.ts',
      });
      expect(file).toMatchObject({
        commit: hash,
        path: 'src/index.ts',
        data: expect.stringContaining("export const hello = (name: string): string => 'Hello, ' + name;"),
      });
      expect(lastRequest().path).toBe(`/2.0/repositories/acme/widgets/src/${hash}/src/index.ts`);
    });

    it('GET_FILE_FROM_REPOSITORY returns binary files as base64 and JSON files parsed', async () => {
      const logo = await ok('BITBUCKET_GET_FILE_FROM_REPOSITORY', {
        workspace: SEED.workspace,
        repo_slug: SEED.repository,
        commit: 'main',
        path: 'assets/logo.png',
      });
      const bytes = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
      expect(logo).toEqual({
        data: { content_type: 'image/png', encoding: 'base64', content: bytes.toString('base64') },
        commit: 'main',
        path: 'assets/logo.png',
        size: bytes.length,
      });
      // Bitbucket serves *.json as application/json, and the engine decodes JSON bodies whatever the tool.
      const manifest = await ok('BITBUCKET_GET_FILE_FROM_REPOSITORY', {
        workspace: SEED.workspace,
        repo_slug: SEED.repository,
        commit: 'main',
        path: 'package.json',
      });
      expect(manifest.data).toEqual({ name: 'widgets', version: '1.0.0' });
    });

    it('GET_FILE_FROM_REPOSITORY: a leading slash is refused; a missing file is a 404', async () => {
      await invalid(
        'BITBUCKET_GET_FILE_FROM_REPOSITORY',
        { workspace: SEED.workspace, repo_slug: SEED.repository, commit: 'main', path: '/README.md' },
        'path',
        /pattern/,
      );
      await invalid(
        'BITBUCKET_GET_FILE_FROM_REPOSITORY',
        { workspace: SEED.workspace, repo_slug: SEED.repository, path: 'README.md' },
        'commit',
        'is required',
      );
      const result = await upstreamFailure(
        'BITBUCKET_GET_FILE_FROM_REPOSITORY',
        { workspace: SEED.workspace, repo_slug: SEED.repository, commit: 'main', path: 'docs/missing.md' },
        404,
      );
      expect(result.error).toContain('No such file or directory: docs/missing.md');
    });
  });

  describe('issues', () => {
    let issueId: string;

    it('create issue → comment → update → delete', async () => {
      const issue = await ok('BITBUCKET_CREATE_ISSUE', {
        workspace: SEED.workspace,
        repo_slug: SEED.repository,
        title: 'Widgets crash on start',
        content: 'Steps:\n\n1. `npm start`',
        assignee: MEMBER_ACCOUNT.username,
        kind: 'task',
        priority: 'critical',
        due_on: '2030-01-31',
        milestone_id: 1,
        version_id: 2,
        component_id: 1,
      });
      expect(issue).toMatchObject({
        type: 'issue',
        id: 1,
        title: 'Widgets crash on start',
        state: 'new',
        kind: 'task',
        priority: 'critical',
        reporter: expect.objectContaining({ uuid: DEFAULT_ACCOUNT.uuid }),
        assignee: expect.objectContaining({ uuid: MEMBER_ACCOUNT.uuid }),
        milestone: expect.objectContaining({ name: 'M1' }),
        version: expect.objectContaining({ name: '2.0' }),
        component: expect.objectContaining({ name: 'api' }),
        content: expect.objectContaining({ raw: 'Steps:\n\n1. `npm start`' }),
      });
      expect(lastRequest().body).toEqual({
        title: 'Widgets crash on start',
        content: { raw: 'Steps:\n\n1. `npm start`' },
        assignee: { username: 'alice' },
        kind: 'task',
        priority: 'critical',
        due_on: '2030-01-31',
        milestone: { id: 1 },
        version: { id: 2 },
        component: { id: 1 },
      });
      issueId = String(issue.id);

      const comment = await ok('BITBUCKET_CREATE_ISSUE_COMMENT', {
        workspace: SEED.workspace,
        repo_slug: SEED.repository,
        issue_id: issueId,
        content: 'Reproduced on **main**.',
      });
      expect(comment).toMatchObject({
        type: 'issue_comment',
        id: expect.any(Number),
        content: expect.objectContaining({ raw: 'Reproduced on **main**.' }),
        user: expect.objectContaining({ uuid: DEFAULT_ACCOUNT.uuid }),
      });
      expect(lastRequest()).toMatchObject({ path: '/2.0/repositories/acme/widgets/issues/1/comments', body: { content: { raw: 'Reproduced on **main**.' } } });

      const updated = await ok('BITBUCKET_UPDATE_ISSUE', {
        workspace: SEED.workspace,
        repo_slug: SEED.repository,
        issue_id: issueId,
        state: 'on hold',
        assignee_account_id: DEFAULT_ACCOUNT.account_id,
        version: '1.0',
        milestone: 'M1',
        component: 'ui',
      });
      expect(updated).toMatchObject({
        id: 1,
        title: 'Widgets crash on start',
        state: 'on hold',
        assignee: expect.objectContaining({ account_id: DEFAULT_ACCOUNT.account_id }),
        version: expect.objectContaining({ name: '1.0' }),
        component: expect.objectContaining({ name: 'ui' }),
      });
      expect(lastRequest()).toMatchObject({ method: 'PUT', path: '/2.0/repositories/acme/widgets/issues/1' });
      expect(lastRequest().body).toEqual({
        state: 'on hold',
        assignee: { account_id: DEFAULT_ACCOUNT.account_id },
        component: { name: 'ui' },
        milestone: { name: 'M1' },
        version: { name: '1.0' },
      });

      const retitled = await ok('BITBUCKET_UPDATE_ISSUE', {
        workspace: SEED.workspace,
        repo_slug: SEED.repository,
        issue_id: issueId,
        title: 'Crash on start',
      });
      expect(retitled).toMatchObject({ title: 'Crash on start', state: 'on hold', version: expect.objectContaining({ name: '1.0' }) });
      expect(lastRequest().body).toEqual({ title: 'Crash on start' });

      const deleted = await ok('BITBUCKET_DELETE_ISSUE', { workspace: SEED.workspace, repo_slug: SEED.repository, issue_id: issueId });
      expect(deleted).toEqual({ message: expect.stringMatching(/deleted/i), success: true });
      expect(lastRequest()).toMatchObject({ method: 'DELETE', path: '/2.0/repositories/acme/widgets/issues/1', status: 204 });
      expect(bitbucket.state.requireRepository(SEED.workspace, SEED.repository).issues.size).toBe(0);
    });

    it('CREATE_ISSUE: title and content are required; a repository without an issue tracker is a 404', async () => {
      await invalid('BITBUCKET_CREATE_ISSUE', { workspace: SEED.workspace, repo_slug: SEED.repository, title: 'No body' }, 'content', 'is required');
      await invalid(
        'BITBUCKET_CREATE_ISSUE',
        { workspace: SEED.workspace, repo_slug: SEED.repository, title: 'x', content: '', kind: 'Bug' },
        'kind',
        /must be one of/,
      );
      const result = await upstreamFailure(
        'BITBUCKET_CREATE_ISSUE',
        { workspace: SEED.workspace, repo_slug: SEED.repositoryWithoutIssues, title: 'x', content: '' },
        404,
      );
      expect(result.error).toContain('has no issue tracker');
    });

    it('CREATE_ISSUE_COMMENT: the issue id is a string; an unknown issue is a 404', async () => {
      await invalid(
        'BITBUCKET_CREATE_ISSUE_COMMENT',
        { workspace: SEED.workspace, repo_slug: SEED.repository, issue_id: 1, content: 'x' },
        'issue_id',
        /string/,
      );
      const result = await upstreamFailure(
        'BITBUCKET_CREATE_ISSUE_COMMENT',
        { workspace: SEED.workspace, repo_slug: SEED.repository, issue_id: '999', content: 'x' },
        404,
      );
      expect(result.error).toContain('Issue 999 not found');
    });

    it('UPDATE_ISSUE: needs at least one attribute and known state values; an unknown version is a 400', async () => {
      const target = await ok('BITBUCKET_CREATE_ISSUE', { workspace: SEED.workspace, repo_slug: SEED.repository, title: 'Target', content: '' });
      const ids = { workspace: SEED.workspace, repo_slug: SEED.repository, issue_id: String(target.id) };
      await invalid('BITBUCKET_UPDATE_ISSUE', ids, '(arguments)', /fewer than 4 properties/);
      await invalid('BITBUCKET_UPDATE_ISSUE', { ...ids, state: 'on_hold' }, 'state', /"on hold"/);
      await invalid('BITBUCKET_UPDATE_ISSUE', { ...ids, assignee_account_id: MEMBER_ACCOUNT.uuid }, 'assignee_account_id', /pattern/);
      const result = await upstreamFailure('BITBUCKET_UPDATE_ISSUE', { ...ids, version: '9.9' }, 400);
      expect(result.error).toContain('No version named "9.9"');
    });

    it('DELETE_ISSUE: an unknown issue is a 404', async () => {
      await invalid('BITBUCKET_DELETE_ISSUE', { workspace: SEED.workspace, repo_slug: SEED.repository }, 'issue_id', 'is required');
      const result = await upstreamFailure('BITBUCKET_DELETE_ISSUE', { workspace: SEED.workspace, repo_slug: SEED.repository, issue_id: '999' }, 404);
      expect(result.error).toContain('Issue 999 not found');
    });
  });

  describe('snippets', () => {
    it('GET_SNIPPET returns the metadata by default and the whole snippet as multipart on request', async () => {
      const snippet = await ok('BITBUCKET_GET_SNIPPET', { workspace: SEED.workspace, encoded_id: SEED.snippet });
      expect(snippet).toMatchObject({
        type: 'snippet',
        title: 'Deploy script',
        is_private: true,
        files: { 'deploy.sh': expect.any(Object), 'notes.md': expect.any(Object) },
      });
      expect(lastRequest()).toMatchObject({ path: '/2.0/snippets/acme/Xq7Lp', headers: { accept: 'application/json' } });

      const multipart = await ok('BITBUCKET_GET_SNIPPET', { workspace: SEED.workspace, encoded_id: SEED.snippet, accept_format: 'multipart/related' });
      expect(typeof multipart).toBe('string');
      expect(multipart).toContain('Content-ID: snippet');
      expect(multipart).toContain('npm run build');
      expect(lastRequest().headers.accept).toBe('multipart/related');
    });

    it('GET_SNIPPET: formats are limited to the documented ones; an unknown snippet is a 404', async () => {
      await invalid(
        'BITBUCKET_GET_SNIPPET',
        { workspace: SEED.workspace, encoded_id: SEED.snippet, accept_format: 'text/plain' },
        'accept_format',
        /must be one of/,
      );
      const result = await upstreamFailure('BITBUCKET_GET_SNIPPET', { workspace: SEED.workspace, encoded_id: 'nope' }, 404);
      expect(result.error).toContain('Snippet acme/nope not found');
    });

    it('CREATE_SNIPPET_COMMENT adds a comment and a threaded reply', async () => {
      const comment = await ok('BITBUCKET_CREATE_SNIPPET_COMMENT', { workspace: SEED.workspace, encoded_id: SEED.snippet, content: 'Run it with `sh -e`.' });
      expect(comment).toMatchObject({ id: expect.any(Number), content: expect.objectContaining({ raw: 'Run it with `sh -e`.' }) });
      expect(lastRequest()).toMatchObject({ method: 'POST', path: '/2.0/snippets/acme/Xq7Lp/comments', body: { content: { raw: 'Run it with `sh -e`.' } } });

      const reply = await ok('BITBUCKET_CREATE_SNIPPET_COMMENT', {
        workspace: SEED.workspace,
        encoded_id: SEED.snippet,
        content: 'Agreed.',
        parent_id: comment.id,
      });
      expect(reply.id).not.toBe(comment.id);
      expect(lastRequest().body).toEqual({ content: { raw: 'Agreed.' }, parent: { id: comment.id } });
      expect(bitbucket.state.findSnippet(SEED.workspace, SEED.snippet)!.comments.map((entry) => entry.parentId)).toEqual([null, comment.id]);
    });

    it('CREATE_SNIPPET_COMMENT: content is required; replying to an unknown comment is a 400', async () => {
      await invalid('BITBUCKET_CREATE_SNIPPET_COMMENT', { workspace: SEED.workspace, encoded_id: SEED.snippet }, 'content', 'is required');
      const result = await upstreamFailure(
        'BITBUCKET_CREATE_SNIPPET_COMMENT',
        { workspace: SEED.workspace, encoded_id: SEED.snippet, content: 'x', parent_id: 999 },
        400,
      );
      expect(result.error).toContain('No comment 999 on this snippet');
    });
  });

  describe('unknown resources', () => {
    const missing = { workspace: SEED.workspace, repo_slug: 'nope' };
    const cases: [string, object][] = [
      ['BITBUCKET_CREATE_REPOSITORY', { workspace: 'nope', repo_slug: 'rocket' }],
      ['BITBUCKET_CREATE_BRANCH', { ...missing, name: 'x', target_hash: 'abcdef0' }],
      ['BITBUCKET_GET_FILE_FROM_REPOSITORY', { ...missing, commit: 'main', path: 'README.md' }],
      ['BITBUCKET_CREATE_PULL_REQUEST', { ...missing, title: 'x', source_branch: 'x' }],
      ['BITBUCKET_GET_PULL_REQUEST', { ...missing, pull_request_id: 1 }],
      ['BITBUCKET_CREATE_ISSUE', { ...missing, title: 'x', content: 'y' }],
      ['BITBUCKET_CREATE_ISSUE_COMMENT', { ...missing, issue_id: '1', content: 'y' }],
      ['BITBUCKET_UPDATE_ISSUE', { ...missing, issue_id: '1', title: 'y' }],
      ['BITBUCKET_DELETE_ISSUE', { ...missing, issue_id: '1' }],
      ['BITBUCKET_CREATE_SNIPPET_COMMENT', { workspace: 'nope', encoded_id: SEED.snippet, content: 'y' }],
    ];
    it.each(cases)('%s on a resource that does not exist is an unsuccessful 404', async (slug, args) => {
      await upstreamFailure(slug, args, 404);
      expect(bitbucket.requests).toHaveLength(1);
    });
  });

  describe('credentials and resilience', () => {
    it('uses an access token through the bearer scheme when that account is chosen, and reports a revoked token as a 401', async () => {
      const user = await ok('BITBUCKET_GET_CURRENT_USER', {}, { connected_account_id: bearerAccountId });
      expect(user).toMatchObject({ uuid: DEFAULT_ACCOUNT.uuid });
      expect(lastRequest().headers.authorization).toBe('Bearer');
      const repositories = await ok('BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE', { workspace: SEED.workspace }, { connected_account_id: bearerAccountId });
      expect(repositories.size).toBeGreaterThan(0);

      bitbucket.revokeAccessToken(DEFAULT_ACCESS_TOKEN);
      const revoked = await execute('BITBUCKET_GET_CURRENT_USER', {}, { connected_account_id: bearerAccountId });
      expect(revoked).toMatchObject({
        successful: false,
        error_code: 'UPSTREAM_ERROR',
        error_details: { status: 401, upstream_message: 'Token is invalid, expired, or not supported for this endpoint.' },
      });
      expect(bitbucket.requests).toHaveLength(3);
      // The Basic account of the same user is unaffected.
      expect(await ok('BITBUCKET_GET_CURRENT_USER', {}, { connected_account_id: basicAccountId })).toMatchObject({ uuid: DEFAULT_ACCOUNT.uuid });
      expect(lastRequest().headers.authorization).toBe('Basic');
    });

    it('retries a read tool after a 503 and succeeds, recording both attempts', async () => {
      bitbucket.failNext({ status: 503 });
      const result = await execute('BITBUCKET_LIST_WORKSPACE_MEMBERS', { workspace: SEED.workspace });
      expect(result).toMatchObject({ successful: true, data: { size: 2 } });
      expect(bitbucket.requests.map((request) => request.status)).toEqual([503, 200]);
      const log = (await inject('GET', `/v1/execution-logs/${result.log_id}`)).json();
      expect(log).toMatchObject({ tool_slug: 'BITBUCKET_LIST_WORKSPACE_MEMBERS', toolkit: 'bitbucket', successful: true, http_status: 200, attempts: 2 });
    });

    it('does not retry a create after a 429, even with Retry-After: 0', async () => {
      const issuesBefore = bitbucket.state.requireRepository(SEED.workspace, SEED.repository).issues.size;
      bitbucket.failNext({ status: 429, headers: { 'Retry-After': '0' } });
      const result = await upstreamFailure(
        'BITBUCKET_CREATE_ISSUE',
        { workspace: SEED.workspace, repo_slug: SEED.repository, title: 'Once', content: 'x' },
        429,
      );
      expect(result.error_details).toMatchObject({ retry_after: '0', attempts: 1 });
      expect(bitbucket.requests).toHaveLength(1);
      expect(bitbucket.state.requireRepository(SEED.workspace, SEED.repository).issues.size).toBe(issuesBefore);
    });
  });

  it('executed every tool on a success path and on a failure path', () => {
    expect([...succeeded].sort()).toEqual(ALL_TOOLS);
    expect([...failed].sort()).toEqual(ALL_TOOLS);
  });
});
