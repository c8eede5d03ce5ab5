import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BackendlessEmulator, startBackendlessEmulator } from '../emulators/backendless/index.js';
import { type BitbucketEmulator, DEFAULT_ACCOUNT, SEED, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { startScriptedModel, type Turn } from '../fixtures/openai-model/index.js';
import { runClientProgram } from '../helpers/client-program.js';
import { repoRoot } from '../helpers/process.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

/**
 * The seeds' AutoGen programs (examples/autogen/, same imports, calls and parameters), unmodified, with
 * only environment variables pointing them at Switchboard and at a scripted model: `composio.create` →
 * `session.mcp.url` → `McpWorkbench` → `AssistantAgent` carrying out the seeds' tasks through the
 * COMPOSIO_ meta-tools. The emulators' state afterwards proves each call happened.
 */
const USER = 'autogen-user';
const { python, reason } = inject('pythonClients');
if (!python && process.env.CI) throw new Error(`The AutoGen tests need the Python clients under CI: ${reason}`);

/** One task: search for it, run the tool the search put first (checked), then answer with what it returned. */
function task(useCase: string, slug: string, args: Record<string, unknown> | (() => Record<string, unknown>)): Turn[] {
  return [
    { toolCall: { name: 'COMPOSIO_SEARCH_TOOLS', arguments: { queries: [{ use_case: useCase }], session: { generate_id: true } } } },
    {
      toolCall: {
        name: 'COMPOSIO_MULTI_EXECUTE_TOOL',
        arguments: (ctx) => {
          const found = JSON.parse(ctx.lastToolResult() ?? '{}');
          const primary: string[] = found.data?.results?.[0]?.primary_tool_slugs ?? [];
          if (!primary.includes(slug)) throw new Error(`search for "${useCase}" put ${primary.join(', ')} first, not ${slug}`);
          return {
            tools: [{ tool_slug: slug, arguments: typeof args === 'function' ? args() : args }],
            sync_response_to_workbench: false,
            session_id: found.data.session.id,
          };
        },
      },
    },
    {
      reply: (ctx) => {
        const outcome = JSON.parse(ctx.lastToolResult() ?? '{}');
        const item = outcome.data?.results?.[0];
        return `${slug} ${item?.response?.successful ? 'succeeded' : `failed: ${item?.error}`}: ${JSON.stringify(item?.response?.data ?? null).slice(0, 300)}`;
      },
    },
  ];
}

describe.skipIf(!testDatabaseAvailable() || !python)('AutoGen agents from the seeds, through the Composio-compatible API', () => {
  let t: TestServer;
  let url: string;
  let backendless: BackendlessEmulator;
  let bitbucket: BitbucketEmulator;

  const api = (method: 'GET' | 'POST', path: string, payload?: object) =>
    t.server.app.inject({ method, url: path, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    backendless = await startBackendlessEmulator();
    bitbucket = await startBitbucketEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' } });
    url = await t.server.listen();
    for (const body of [
      {
        toolkit: 'backendless',
        credentials: { app_id: backendless.appId, rest_api_key: backendless.restApiKey },
        base_url: `${backendless.url}/{app_id}/{rest_api_key}`,
      },
      {
        toolkit: 'bitbucket',
        auth_scheme: 'basic',
        credentials: { email: DEFAULT_ACCOUNT.email, api_token: DEFAULT_ACCOUNT.apiToken },
        base_url: bitbucket.baseUrl,
      },
    ]) {
      const created = await api('POST', '/v1/connected-accounts', { user_id: USER, ...body });
      expect(created.statusCode, created.body).toBe(201);
    }
  }, 600_000);
  afterAll(async () => {
    await t?.close();
    await backendless?.close();
    await bitbucket?.close();
  });

  const agentEnv = (modelUrl: string) => ({
    COMPOSIO_BASE_URL: url,
    COMPOSIO_API_KEY: t.adminKey,
    OPENAI_BASE_URL: modelUrl,
    OPENAI_API_KEY: 'sk-test-model',
    USER_ID: USER,
  });

  it('carries out the Backendless tasks: list uploads, create a directory, active users, delete a backup', async () => {
    backendless.state.putFile('users/uploads/avatar.png', 'png');
    backendless.state.putFile('users/uploads/notes.txt', 'notes');
    backendless.state.putFile('backups/report.pdf', 'pdf');
    backendless.state.putFile('backups/keep.pdf', 'pdf');
    backendless.state.addUser({ email: 'active@example.com', password: 'secret-1', status: 'active' });
    backendless.state.addUser({ email: 'idle@example.com', password: 'secret-2', status: 'inactive' });

    const model = await startScriptedModel(
      [
        ...task('list all files in the user uploads folder in Backendless', 'BACKENDLESS_DIRECTORY_LISTING', { path: '/users/uploads' }),
        ...task('create a new directory for project assets in Backendless file storage', 'BACKENDLESS_CREATE_DIRECTORY', {
          directory_path: 'projects/assets',
        }),
        ...task('retrieve Backendless users where status is active', 'BACKENDLESS_GENERAL_OBJECT_RETRIEVAL', {
          table_name: 'Users',
          where: "status = 'active'",
        }),
        ...task('delete the file report.pdf from the backups folder in Backendless', 'BACKENDLESS_DELETE_FILE', { relative_path: 'backups/report.pdf' }),
      ],
      { apiKey: 'sk-test-model' },
    );
    try {
      const run = await runClientProgram(python!, [join(repoRoot, 'examples', 'autogen', 'backendless_agent.py')], agentEnv(model.url), {
        timeoutMs: 150_000,
        answers: [
          'List all files in the user uploads folder',
          'Create a new directory for project assets',
          'Retrieve users where status is active',
          'Delete a file named report.pdf from backups',
          'exit',
        ],
      });
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(model.remaining(), run.stdout).toBe(0);
      const answers = run.stdout.split('\n').filter((line) => line.startsWith('Agent: '));
      expect(answers, run.stdout).toHaveLength(4);
      expect(answers[0]).toContain('BACKENDLESS_DIRECTORY_LISTING succeeded');
      expect(answers[0]).toContain('avatar.png');
      expect(answers[2]).toContain('active@example.com');
      expect(answers[2]).not.toContain('idle@example.com');
      expect(backendless.state.files.isDirectory('projects/assets')).toBe(true);
      expect(backendless.state.readFile('backups/report.pdf')).toBeUndefined();
      expect(backendless.state.readFile('backups/keep.pdf')).toBe('pdf');
      // The model was offered the COMPOSIO_ meta-tools by the workbench and streamed (AutoGen's model_client_stream).
      const offered = (model.requests[0]!.body as { tools: { function: { name: string } }[]; stream?: boolean }).tools.map((tool) => tool.function.name);
      expect(offered).toEqual(expect.arrayContaining(['COMPOSIO_SEARCH_TOOLS', 'COMPOSIO_MULTI_EXECUTE_TOOL', 'COMPOSIO_MANAGE_CONNECTIONS']));
      expect((model.requests[0]!.body as { stream?: boolean }).stream).toBe(true);
      expect((model.requests[0]!.body as { model: string }).model).toBe('gpt-5');
    } finally {
      await model.close();
    }
    // terminate_on_close: the workbench ended its MCP session when the program left.
    const sessions = (await api('GET', `/v1/sessions?user_id=${USER}`)).json().items as { config: { meta_tool_names: string } }[];
    expect(sessions.at(-1)!.config.meta_tool_names).toBe('composio');
  }, 180_000);

  it('carries out the Bitbucket tasks: branch off main, pull request, comment on the latest open issue, fetch the README', async () => {
    const repo = { workspace: SEED.workspace, repo_slug: SEED.repository };
    for (const title of ['Old bug', 'Newest bug']) {
      const created = await api('POST', '/v1/tools/BITBUCKET_CREATE_ISSUE/execute', {
        user_id: USER,
        arguments: { ...repo, title, content: `${title}: steps to reproduce.` },
      });
      expect(created.json().successful, created.body).toBe(true);
    }
    const repository = bitbucket.state.requireRepository(SEED.workspace, SEED.repository);
    const latestOpen = Math.max(...[...repository.issues.values()].filter((issue) => issue.state === 'new' || issue.state === 'open').map((issue) => issue.id));
    const mainHead = bitbucket.state.headCommit(SEED.workspace, SEED.repository, 'main').hash;

    const model = await startScriptedModel(
      [
        ...task('create a new branch in a Bitbucket repository', 'BITBUCKET_CREATE_BRANCH', { ...repo, name: 'feature/agent', target_hash: mainHead }),
        ...task('open a pull request in a Bitbucket repository', 'BITBUCKET_CREATE_PULL_REQUEST', {
          ...repo,
          title: 'Agent feature',
          source_branch: 'feature/agent',
        }),
        ...task('comment on an issue in a Bitbucket repository', 'BITBUCKET_CREATE_ISSUE_COMMENT', {
          ...repo,
          issue_id: String(latestOpen),
          content: 'Looking into it.',
        }),
        ...task('get the README file from a Bitbucket repository', 'BITBUCKET_GET_FILE_FROM_REPOSITORY', { ...repo, commit: 'main', path: 'README.md' }),
      ],
      { apiKey: 'sk-test-model' },
    );
    try {
      const run = await runClientProgram(python!, [join(repoRoot, 'examples', 'autogen', 'bitbucket_agent.py')], agentEnv(model.url), {
        timeoutMs: 150_000,
        answers: [
          'Create a branch feature/agent off main in acme/widgets',
          'Open a pull request from feature/agent',
          'Comment on the latest open issue',
          'Fetch the README',
          'quit',
        ],
      });
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(model.remaining(), run.stdout).toBe(0);
      const answers = run.stdout.split('\n').filter((line) => line.startsWith('Agent: '));
      expect(answers, run.stdout).toHaveLength(4);
      expect(
        answers.every((answer) => answer.includes('succeeded')),
        run.stdout,
      ).toBe(true);
      expect(answers[3]).toContain('The widgets service.');
      expect(repository.branches.get('feature/agent')).toBe(mainHead);
      expect([...repository.pullRequests.values()].map((pr) => pr.title)).toContain('Agent feature');
      expect(repository.issues.get(latestOpen)!.comments.map((comment) => comment.content.raw)).toContain('Looking into it.');
    } finally {
      await model.close();
    }
  }, 180_000);
});
