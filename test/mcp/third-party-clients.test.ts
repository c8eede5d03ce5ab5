import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitbucketEmulator, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { connectBitbucketOnPage } from '../helpers/connect-flow.js';
import { cliEntry, connectStdioClientV1, installedBin, node22 } from '../helpers/mcp-stdio.js';
import { childEnv, createSandbox, repoRoot, type Sandbox } from '../helpers/process.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by other programs, checked field by field
type Json = Record<string, any>;

// MCP clients nobody here wrote (devDependencies), against a session URL and through `switchboard
// connect`; a block whose package is missing is skipped with a warning.
const inspector = installedBin('@modelcontextprotocol/inspector', 'mcp-inspector');
const mcpRemote = installedBin('mcp-remote', 'mcp-remote');
if (!inspector) console.warn('@modelcontextprotocol/inspector is not installed: the MCP Inspector CLI tests are skipped.');
if (!mcpRemote) console.warn('mcp-remote is not installed: the mcp-remote tests are skipped.');

const metaTools = ['search_tools', 'get_tool_schemas', 'manage_connections', 'wait_for_connections', 'multi_execute_tool'];
const slow = 90_000;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON document a CLI printed (the Inspector pretty-prints the result). */
function printedJson(result: Finished): Json {
  const start = result.stdout.indexOf('{');
  if (result.code !== 0 || start < 0) throw new Error(`exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return JSON.parse(result.stdout.slice(start));
}

const dataOf = (result: Json): Json => JSON.parse(result.content[0].text);

describe.skipIf(!testDatabaseAvailable())(`third-party MCP clients (${testDatabaseKind()} database)`, () => {
  let t: TestServer;
  let baseUrl: string;
  let sandbox: Sandbox;
  let env: NodeJS.ProcessEnv;
  let session: Json;
  let bitbucket: BitbucketEmulator;

  /** A session for its own user, so each client connects an account of its own. */
  async function sessionFor(userId: string): Promise<Json> {
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: userId, toolkits: ['bitbucket'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json();
  }

  beforeAll(async () => {
    if (!inspector && !mcpRemote) return;
    bitbucket = await startBitbucketEmulator();
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1', SWITCHBOARD_TOOL_TIMEOUT_MS: '5000' } });
    baseUrl = await t.server.listen();
    // Accounts connected through this project's Bitbucket config call the emulator.
    await t.server.app.inject({
      method: 'POST',
      url: '/v1/auth-configs',
      headers: { 'x-api-key': t.adminKey },
      payload: { toolkit: 'bitbucket', scheme: 'basic', base_url: bitbucket.baseUrl },
    });
    sandbox = createSandbox();
    env = childEnv(sandbox, { MCP_REMOTE_CONFIG_DIR: sandbox.path('mcp-auth') });
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: 'third-party', toolkits: ['bitbucket'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    session = created.json();
  });
  afterAll(async () => {
    await t?.close();
    await bitbucket?.close();
    sandbox?.remove();
  });

  describe.skipIf(!inspector)('MCP Inspector CLI (Node 22)', () => {
    const searchArg = `queries=${JSON.stringify([{ use_case: 'create a Bitbucket branch' }])}`;

    it(
      'lists tools, searches, gets a connect link and, once connected, runs a Bitbucket tool on a session URL',
      async () => {
        const own = await sessionFor('inspector-user');
        const target = [inspector!, '--cli', own.mcp.url, '--transport', 'http', '--header', `x-api-key: ${t.adminKey}`];
        const call = async (tool: string, ...args: string[]) =>
          printedJson(await run(node22, [...target, '--method', 'tools/call', '--tool-name', tool, ...args.flatMap((arg) => ['--tool-arg', arg])], env));
        const listed = printedJson(await run(node22, [...target, '--method', 'tools/list'], env));
        expect(listed.tools.map((tool: Json) => tool.name)).toEqual(metaTools);

        const called = await call('search_tools', searchArg);
        expect(called.isError).toBeFalsy();
        expect(dataOf(called).results[0].tools.map((tool: Json) => tool.tool_slug)).toContain('BITBUCKET_CREATE_BRANCH');

        const connection = dataOf(await call('manage_connections', 'toolkits=["bitbucket"]')).results.bitbucket;
        expect(connection.status).toBe('initiated');
        await connectBitbucketOnPage(connection.redirect_url);
        const executed = dataOf(await call('multi_execute_tool', `tools=${JSON.stringify([{ tool_slug: 'BITBUCKET_GET_CURRENT_USER', arguments: {} }])}`));
        expect(executed.results[0].response).toMatchObject({ successful: true, data: { display_name: 'Dev Example' } });
      },
      slow,
    );

    it(
      'runs switchboard connect from an mcpServers config, as a desktop client would',
      async () => {
        const config = sandbox.path('mcp.json');
        writeFileSync(
          config,
          JSON.stringify({
            mcpServers: {
              switchboard: {
                command: process.execPath,
                args: [cliEntry, 'connect', '--endpoint', baseUrl, '--session', session.session_id],
                env: { SWITCHBOARD_API_KEY: t.adminKey },
              },
            },
          }),
        );
        const target = [inspector!, '--cli', '--config', config, '--server', 'switchboard'];
        const listed = printedJson(await run(node22, [...target, '--method', 'tools/list'], env));
        expect(listed.tools.map((tool: Json) => tool.name)).toEqual(metaTools);
        const called = printedJson(await run(node22, [...target, '--method', 'tools/call', '--tool-name', 'search_tools', '--tool-arg', searchArg], env));
        expect(dataOf(called).results[0].tools.map((tool: Json) => tool.tool_slug)).toContain('BITBUCKET_CREATE_BRANCH');
      },
      slow,
    );
  });

  describe.skipIf(!mcpRemote)('mcp-remote', () => {
    it(
      'bridges stdio to a session URL with --header x-api-key: lists, searches, connects and runs a Bitbucket tool',
      async () => {
        const own = await sessionFor('mcp-remote-user');
        // mcp-remote expands ${SWITCHBOARD_API_KEY} itself, so the key stays out of its command line and log.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder is mcp-remote's, not ours
        const headerArg = 'x-api-key:${SWITCHBOARD_API_KEY}';
        const { client, close } = await connectStdioClientV1(process.execPath, [mcpRemote!, own.mcp.url, '--header', headerArg, '--transport', 'http-only'], {
          ...env,
          SWITCHBOARD_API_KEY: t.adminKey,
        });
        try {
          expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(metaTools);
          const found = dataOf((await client.callTool({ name: 'search_tools', arguments: { queries: [{ use_case: 'list Bitbucket workspaces' }] } })) as Json);
          expect(found.results[0].tools.map((tool: Json) => tool.tool_slug)).toContain('BITBUCKET_LIST_WORKSPACES');
          const connection = dataOf((await client.callTool({ name: 'manage_connections', arguments: { toolkits: ['bitbucket'] } })) as Json).results.bitbucket;
          await connectBitbucketOnPage(connection.redirect_url);
          const executed = dataOf(
            (await client.callTool({ name: 'multi_execute_tool', arguments: { tools: [{ tool_slug: 'BITBUCKET_LIST_WORKSPACES', arguments: {} }] } })) as Json,
          );
          expect(executed.results[0].response.successful).toBe(true);
        } finally {
          await close();
        }
      },
      slow,
    );
  });
});
