import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliHome, cliEnv, createCliHome, describeRun, killAllClis, npmBin, runCli } from '../helpers/cli-client.js';
import { startTestServer, type TestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked field by field
type Json = Record<string, any>;

// The real Claude Code CLI (@anthropic-ai/claude-code, a devDependency: its bin is the native
// linux-x64 binary from the optional package). `claude mcp add` and `claude mcp list` need no login,
// no API key and no onboarding file; `mcp list` connects to each server (its health check).
const claude = npmBin('claude');
if (!claude) console.warn('@anthropic-ai/claude-code is not installed: the Claude Code CLI tests are skipped.');

const slow = 60_000;
const quiet = {
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
};

interface LoggedRequest {
  method: string;
  url: string;
  status?: number;
}

describe.skipIf(!testDatabaseAvailable() || !claude)(`Claude Code CLI (${testDatabaseKind()} database)`, () => {
  let t: TestServer;
  let baseUrl: string;
  let session: Json;
  let userKey: string;
  let sandbox: CliHome;
  let project: string;
  /** Every request the server saw, from its log (request_id joins a request to its response). */
  const requests = new Map<string, LoggedRequest>();

  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line);
          if (entry.req && entry.request_id) requests.set(entry.request_id, { method: entry.req.method, url: entry.req.url });
          else if (entry.res && entry.request_id) {
            const request = requests.get(entry.request_id);
            if (request) request.status = entry.res.statusCode;
          }
        } catch {
          // not a log line
        }
      }
      done();
    },
  });

  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const response = await t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json();
  };

  const run = async (...args: string[]) => {
    const result = await runCli(claude!, args, { env: cliEnv(sandbox.home, quiet), cwd: project });
    expect(result.code, describeRun(result)).toBe(0);
    return result;
  };

  /** `claude mcp list`, each server's line by name (`name: url (HTTP) - ✔ Connected`), and the whole run. */
  const list = async () => {
    const result = await run('mcp', 'list');
    const lines = new Map<string, string>();
    for (const line of result.stdout.split('\n')) {
      const match = /^([\w-]+): (.*)$/.exec(line);
      if (match) lines.set(match[1]!, match[2]!);
    }
    return { lines, output: describeRun(result) };
  };

  const expectConnected = (line: string | undefined, url: string, output: string) => {
    expect(line, output).toBeDefined();
    expect(line, output).toContain(`${url} (HTTP)`);
    expect(line, output).toMatch(/\bConnected\b/);
    expect(line, output).not.toMatch(/Failed|Needs authentication/);
  };

  beforeAll(async () => {
    t = await startTestServer({ env: { SWITCHBOARD_LOG_LEVEL: 'info' }, logStream });
    baseUrl = await t.server.listen();
    session = await api('POST', '/v1/sessions', { user_id: 'claude-session-user' });
    userKey = (await api('POST', '/v1/api-keys', { name: 'claude', scopes: ['tools:execute'], user_id: 'claude-user' })).key;
  });
  afterAll(async () => t?.close());

  beforeEach(() => {
    sandbox = createCliHome('claude');
    project = join(sandbox.home, 'project');
    mkdirSync(project);
  });
  afterEach(() => {
    killAllClis();
    sandbox?.remove();
  });

  it(
    'claude mcp add --transport http with an x-api-key header (user scope), then mcp list reports the session URL connected',
    async () => {
      const url: string = session.mcp.url;
      const added = await run(
        'mcp',
        'add',
        '--transport',
        'http',
        '--scope',
        'user',
        'switchboard',
        url,
        '--header',
        `x-api-key: ${session.mcp.headers['x-api-key']}`,
      );
      expect(added.stdout, describeRun(added)).toContain('Added HTTP MCP server switchboard');
      expect(added.stdout, 'the key is redacted in what it prints').not.toContain(session.mcp.headers['x-api-key']);

      const { lines, output } = await list();
      expectConnected(lines.get('switchboard'), url, output);
      const sessionId: string = session.session_id;
      expect(
        [...requests.values()].some((request) => request.method === 'POST' && request.url === `/mcp/${sessionId}` && request.status === 200),
        'the health check initialized an MCP session on the server',
      ).toBe(true);

      const got = await run('mcp', 'get', 'switchboard');
      expect(got.stdout, describeRun(got)).toMatch(/Status: .*Connected/);
    },
    slow,
  );

  it(
    'the universal /mcp (local scope, in the project): a user-bound key as x-api-key or as a bearer token, and a project key with x-user-id, all connected',
    async () => {
      const url = `${baseUrl}/mcp`;
      await run('mcp', 'add', '--transport', 'http', '--scope', 'local', 'switchboard', url, '--header', `x-api-key: ${userKey}`);
      await run('mcp', 'add', '--transport', 'http', '--scope', 'local', 'bearer', url, '--header', `Authorization: Bearer ${userKey}`);
      await run(
        'mcp',
        'add',
        '--transport',
        'http',
        '--scope',
        'local',
        'project-key',
        url,
        '--header',
        `x-api-key: ${t.adminKey}`,
        '--header',
        'x-user-id: claude-header-user',
      );

      const { lines, output } = await list();
      expectConnected(lines.get('switchboard'), url, output);
      expectConnected(lines.get('bearer'), url, output);
      expectConnected(lines.get('project-key'), url, output);
    },
    slow,
  );

  it(
    'a wrong key is not connected: mcp list and mcp get report the failure',
    async () => {
      const url: string = session.mcp.url;
      const wrongKey = `sk_${'0'.repeat(42)}`;
      await run('mcp', 'add', '--transport', 'http', '--scope', 'local', 'wrong-key', url, '--header', `x-api-key: ${wrongKey}`);
      await run('mcp', 'add', '--transport', 'http', '--scope', 'local', 'wrong-universal', `${baseUrl}/mcp`, '--header', `x-api-key: ${wrongKey}`);
      const before = new Set(requests.keys());

      const { lines, output } = await list();
      for (const name of ['wrong-key', 'wrong-universal']) {
        expect(lines.get(name), output).toBeDefined();
        expect(lines.get(name), output).not.toMatch(/\bConnected\b/);
        expect(lines.get(name), output).toMatch(/Failed to connect|Needs authentication/);
      }
      // What it names is a 404 (`HTTP 404 dialing <url>`): on the 401 Claude Code tries OAuth discovery
      // (/.well-known/oauth-protected-resource..., oauth-authorization-server, openid-configuration)
      // and POST /register, which Switchboard does not serve. The 401 is what the server answered:
      const seen = [...requests.entries()].filter(([id]) => !before.has(id)).map(([, request]) => request);
      expect(seen, JSON.stringify(seen)).toContainEqual({ method: 'POST', url: `/mcp/${session.session_id}`, status: 401 });
      expect(seen, JSON.stringify(seen)).toContainEqual({ method: 'POST', url: '/mcp', status: 401 });

      const got = await run('mcp', 'get', 'wrong-key');
      expect(got.stdout, describeRun(got)).toMatch(/Status: .*(Failed to connect|Needs authentication)/);
    },
    slow,
  );
});
