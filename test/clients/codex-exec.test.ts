import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ScriptedModel, startScriptedModel } from '../fixtures/openai-model/index.js';
import { type CliHome, cliEnv, createCliHome, describeRun, killAllClis, npmBin, runCli } from '../helpers/cli-client.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by another program, checked field by field
type Json = Record<string, any>;

// One real `codex exec` run (@openai/codex, a devDependency) whose model is the scripted one on a loopback port
// and whose MCP server is Switchboard: the model calls search_tools, Codex runs it through Switchboard, and the
// model answers from the result. HOME and CODEX_HOME are a throwaway directory; nothing leaves 127.0.0.1.
const codex = npmBin('codex');
if (!codex) console.warn('@openai/codex is not installed: the codex exec test is skipped.');

/**
 * Codex on a loopback Responses API provider, offline (no update check, analytics, plugin or connector sync, no
 * retries), with Switchboard as an MCP server. `search_tools` is approved outright (`approval_mode = "approve"`,
 * one of auto | prompt | writes | approve), so the non-interactive run never stops to ask. Seen with Codex 0.171.0:
 * without the setting (`auto`) the read-only search_tools ran as well; with `prompt` codex exec fails the call with
 * "MCP tool call requires approval, but approval policy is never".
 */
function codexConfig(modelUrl: string, mcpUrl: string): string {
  return `model = "scripted"
model_provider = "loopback"
check_for_update_on_startup = false

[analytics]
enabled = false

[features]
plugins = false
remote_plugin = false
apps = false

[model_providers.loopback]
name = "loopback"
base_url = "${modelUrl}"
wire_api = "responses"
env_key = "LOOPBACK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
supports_websockets = false

[mcp_servers.switchboard]
url = "${mcpUrl}"
bearer_token_env_var = "SWITCHBOARD_API_KEY"

[mcp_servers.switchboard.tools.search_tools]
approval_mode = "approve"
`;
}

const useCase = 'create a branch in a Bitbucket repository';

describe.skipIf(!testDatabaseAvailable() || !codex)(`codex exec with a scripted model (${testDatabaseKind()} database)`, () => {
  let t: TestServer;
  let sandbox: CliHome;
  let model: ScriptedModel | undefined;
  const calls: { sessionId: string; name: string; args: unknown; isError: boolean }[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    // Switchboard's own record of the tools/call requests its MCP endpoint ran (the real router, called through).
    const router = t.server.router;
    const callTool = router.callTool.bind(router);
    router.callTool = async (context, name, args, signal) => {
      const outcome = await callTool(context, name, args, signal);
      calls.push({ sessionId: context.session.id, name, args, isError: outcome.isError ?? false });
      return outcome;
    };
    await t.server.listen();
  });
  afterAll(async () => t?.close());

  beforeEach(() => {
    sandbox = createCliHome('codex-exec');
  });
  afterEach(async () => {
    killAllClis();
    await model?.close();
    model = undefined;
    sandbox?.remove();
  });

  it('the model calls search_tools (name plus the mcp__switchboard namespace), Codex runs it through Switchboard, and the final message names BITBUCKET_CREATE_BRANCH', async () => {
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.adminKey },
      payload: { user_id: 'codex-exec-user', toolkits: ['bitbucket'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const session: Json = created.json();

    model = await startScriptedModel([
      {
        toolCall: { name: 'search_tools', namespace: 'mcp__switchboard', arguments: { queries: [{ use_case: useCase }] } },
        expect: (ctx) => ctx.lastUserMessage()?.includes('Bitbucket') === true,
      },
      {
        reply: (ctx) => {
          // Codex prefixes the MCP text with "Wall time: … Output:"; the JSON follows.
          const slug = /"tool_slug":"([A-Z0-9_]+)"/.exec(ctx.lastToolResult() ?? '')?.[1];
          return `The tool to use is ${slug ?? '(none found)'}.`;
        },
      },
    ]);

    const codexHome = join(sandbox.home, '.codex');
    mkdirSync(codexHome);
    writeFileSync(join(codexHome, 'config.toml'), codexConfig(model.url, session.mcp.url));
    const env = cliEnv(sandbox.home, { CODEX_HOME: codexHome, SWITCHBOARD_API_KEY: session.mcp.headers['x-api-key'], LOOPBACK_API_KEY: 'sk-loopback' });
    const result = await runCli(codex!, ['exec', '--skip-git-repo-check', '--ephemeral', '--json', `Which tool would ${useCase}?`], {
      env,
      cwd: sandbox.home,
      timeoutMs: 50_000,
    });
    const diagnostics = `${describeRun(result)}\nmodel failures: ${JSON.stringify(model.failures)}`;
    expect(result.code, diagnostics).toBe(0);
    expect(model.failures, diagnostics).toEqual([]);
    expect(model.remaining(), diagnostics).toBe(0);

    const events: Json[] = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    const finalMessage = events.findLast((event) => event.type === 'item.completed' && event.item.type === 'agent_message')?.item.text;
    expect(finalMessage, diagnostics).toBe('The tool to use is BITBUCKET_CREATE_BRANCH.');
    const mcpCall = events.find((event) => event.type === 'item.completed' && event.item.type === 'mcp_tool_call')?.item;
    expect(mcpCall, diagnostics).toMatchObject({
      server: 'switchboard',
      tool: 'search_tools',
      arguments: { queries: [{ use_case: useCase }] },
      status: 'completed',
      error: null,
    });

    // The first request offered Switchboard's tools in Codex's namespace; the second carried the call and its result.
    const [first, second] = model.requests.filter((request) => request.path === '/v1/responses');
    expect(first?.context?.toolNamed('search_tools')).toMatchObject({ name: 'search_tools', namespace: 'mcp__switchboard' });
    const sentCall = second?.context?.messages.flatMap((message) => message.toolCalls ?? []).find((call) => call.name === 'search_tools');
    expect(sentCall, JSON.stringify(second?.body)).toMatchObject({
      namespace: 'mcp__switchboard',
      arguments: JSON.stringify({ queries: [{ use_case: useCase }] }),
    });
    const [toolResult] = second?.context?.toolResults() ?? [];
    expect(toolResult).toMatchObject({ callId: sentCall?.id, toolName: 'search_tools' });
    expect(toolResult?.content).toContain('"tool_slug":"BITBUCKET_CREATE_BRANCH"');

    // Switchboard ran exactly that call, in that session.
    expect(calls).toEqual([{ sessionId: session.session_id, name: 'search_tools', args: { queries: [{ use_case: useCase }] }, isError: false }]);
  }, 60_000);
});
