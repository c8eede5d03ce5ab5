import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultBaseUrl,
  Switchboard,
  SwitchboardApiError,
  SwitchboardAuthenticationError,
  SwitchboardNetworkError,
  SwitchboardNotFoundError,
  SwitchboardPermissionError,
  SwitchboardRateLimitError,
  SwitchboardTimeoutError,
  SwitchboardValidationError,
} from '../../src/client/index.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

const failure = (error: unknown) => error;

describe.skipIf(!testDatabaseAvailable())('TypeScript client errors from a real server', () => {
  let t: TestServer;
  let baseUrl: string;
  let client: Switchboard;

  beforeAll(async () => {
    t = await startTestServer();
    baseUrl = await t.server.listen();
    client = new Switchboard({ apiKey: t.adminKey, baseUrl });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a wrong key is a SwitchboardAuthenticationError with the request id', async () => {
    const wrong = new Switchboard({ apiKey: 'sk_not_a_real_key_0000000000000000', baseUrl });
    const error = await wrong.sessions.list().catch(failure);
    expect(error).toBeInstanceOf(SwitchboardAuthenticationError);
    expect(error).toBeInstanceOf(SwitchboardApiError);
    expect(error).toMatchObject({ name: 'SwitchboardAuthenticationError', status: 401, code: 'UNAUTHENTICATED', request: 'GET /v1/sessions' });
    expect((error as SwitchboardApiError).requestId).toEqual(expect.any(String));
    expect((error as SwitchboardApiError).message).not.toContain('sk_not_a_real_key');
  });

  it('an unknown session is a SwitchboardNotFoundError naming it', async () => {
    const error = await client.sessions.get('trs_AAAAAAAAAAAAAAAAAAAA').catch(failure);
    expect(error).toBeInstanceOf(SwitchboardNotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND', details: { session_id: 'trs_AAAAAAAAAAAAAAAAAAAA' } });
    // Ids are sent as one encoded path segment: nothing reaches another route.
    await expect(client.sessions.get('../api-keys')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('invalid input is a SwitchboardValidationError naming the field', async () => {
    const error = await client.sessions.create('someone', { expiresIn: 5 }).catch(failure);
    expect(error).toBeInstanceOf(SwitchboardValidationError);
    expect((error as SwitchboardValidationError).field).toBe('body.expires_in');
  });

  it('a key without the scope is a SwitchboardPermissionError', async () => {
    const created = await fetch(`${baseUrl}/v1/api-keys`, {
      method: 'POST',
      headers: { 'x-api-key': t.adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'agent', scopes: ['tools:execute'] }),
    });
    const agentKey = ((await created.json()) as { key: string }).key;
    const agent = new Switchboard({ apiKey: agentKey, baseUrl });
    await expect(agent.authConfigs.create({ toolkit: 'bitbucket', scheme: 'basic' })).rejects.toBeInstanceOf(SwitchboardPermissionError);
    // The same key may run sessions, and sends itself on as the MCP header.
    const session = await agent.sessions.create('agent-user');
    expect(session.mcp.headers).toEqual({ 'x-api-key': agentKey });
  });
});

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP server answering each request with `handler`, recording what it received. */
async function stubServer(handler: (request: Recorded, response: ServerResponse) => void) {
  const received: Recorded[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const recorded = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      received.push(recorded);
      handler(recorded, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

const wireSession = {
  session_id: 'trs_BBBBBBBBBBBBBBBBBBBB',
  user_id: 'u1',
  mcp: {
    type: 'http',
    url: 'http://x/mcp/trs_BBBBBBBBBBBBBBBBBBBB',
    headers: { 'x-api-key': 'sk_test' },
    token_url: 'http://x/mcp/trs_BBBBBBBBBBBBBBBBBBBB?token=t',
  },
  tools: ['search_tools'],
  config: {
    toolkits: { enabled: ['bitbucket'] },
    tools: {},
    tags: { enabled: [], disabled: [] },
    auth_configs: { bitbucket: 'ac_1' },
    connected_accounts: {},
    manage_connections: { enabled: true, callback_url: 'https://app.example/cb', wait_for_connections: false },
    mode: 'meta',
    preload: [],
    read_only: true,
    workbench: { auto_offload_threshold: 100 },
  },
  version: 4,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-02T00:00:00.000Z',
  expires_at: null,
};

describe('TypeScript client transport (loopback stubs)', () => {
  const stubs: { close(): Promise<void> }[] = [];
  const savedEnv = { key: process.env.SWITCHBOARD_API_KEY, url: process.env.SWITCHBOARD_URL };
  afterEach(async () => {
    for (const stub of stubs.splice(0)) await stub.close();
    for (const [name, value] of [
      ['SWITCHBOARD_API_KEY', savedEnv.key],
      ['SWITCHBOARD_URL', savedEnv.url],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const stub = async (handler: Parameters<typeof stubServer>[0]) => {
    const server = await stubServer(handler);
    stubs.push(server);
    return server;
  };

  it('an unreachable base URL is a SwitchboardNetworkError naming it', async () => {
    // A port that was just free: nothing listens on it.
    const closed = await stub(() => {});
    await closed.close();
    const client = new Switchboard({ apiKey: 'sk_test', baseUrl: closed.url });
    const error = await client.toolkits.list().catch(failure);
    expect(error).toBeInstanceOf(SwitchboardNetworkError);
    expect(error).not.toBeInstanceOf(SwitchboardTimeoutError);
    expect(error).not.toBeInstanceOf(SwitchboardApiError);
    expect(error).toMatchObject({ baseUrl: closed.url, request: 'GET /v1/toolkits' });
    expect((error as Error).message).toContain(`Cannot reach Switchboard at ${closed.url}`);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('a server that does not answer is a SwitchboardTimeoutError after timeoutMs; a per-call timeout and a cancel work too', async () => {
    const silent = await stub(() => {});
    const client = new Switchboard({ apiKey: 'sk_test', baseUrl: silent.url, timeoutMs: 200 });
    const started = Date.now();
    const error = await client.sessions.get('trs_CCCCCCCCCCCCCCCCCCCC').catch(failure);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(SwitchboardTimeoutError);
    expect(error).toBeInstanceOf(SwitchboardNetworkError);
    expect(error).toMatchObject({ timeoutMs: 200, baseUrl: silent.url, request: 'GET /v1/sessions/trs_CCCCCCCCCCCCCCCCCCCC' });
    expect((error as Error).message).toContain(`Switchboard at ${silent.url} did not answer`);

    const patient = new Switchboard({ apiKey: 'sk_test', baseUrl: silent.url, timeoutMs: 60_000 });
    await expect(patient.toolkits.list({}, { timeoutMs: 100 })).rejects.toMatchObject({ name: 'SwitchboardTimeoutError', timeoutMs: 100 });
    const controller = new AbortController();
    const pending = patient.toolkits.list({}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('an answer that is not Switchboard JSON says so; 429 carries Retry-After; unknown codes keep the status class', async () => {
    const server = await stub((request, response) => {
      if (request.url.startsWith('/v1/toolkits')) {
        response.writeHead(502, { 'content-type': 'text/html' });
        response.end('<html><body>Bad Gateway</body></html>');
      } else if (request.url.startsWith('/v1/tools')) {
        json(response, 429, { error: { code: 'RATE_LIMITED', message: 'Slow down.', request_id: 'req-1' } }, { 'retry-after': '7' });
      } else {
        json(response, 404, { error: { code: 'SOMETHING_NEW', message: 'A future code.' } }, { 'x-request-id': 'req-2' });
      }
    });
    const client = new Switchboard({ apiKey: 'sk_test', baseUrl: server.url });
    const html = await client.toolkits.list().catch(failure);
    expect(html).toBeInstanceOf(SwitchboardApiError);
    expect(html).toMatchObject({ status: 502, code: 'HTTP_502' });
    expect((html as Error).message).toContain(server.url);
    expect((html as Error).message).toContain('Bad Gateway');
    const limited = await client.tools.list().catch(failure);
    expect(limited).toBeInstanceOf(SwitchboardRateLimitError);
    expect(limited).toMatchObject({ retryAfterSeconds: 7, requestId: 'req-1', message: 'Slow down.' });
    const future = await client.connectedAccounts.get('ca_1').catch(failure);
    expect(future).toBeInstanceOf(SwitchboardNotFoundError);
    expect(future).toMatchObject({ code: 'SOMETHING_NEW', requestId: 'req-2' });
  });

  it('sends snake_case bodies and queries field by field, leaves tool arguments and results alone, and converts responses', async () => {
    const server = await stub((request, response) => {
      if (request.url.startsWith('/prefix/v1/sessions/trs_BBBBBBBBBBBBBBBBBBBB/execute')) {
        json(response, 200, { data: { display_name: 'Dev', nested: { some_key: [1] } }, error: null, successful: true, log_id: 'log_1' });
      } else if (request.url.startsWith('/prefix/v1/sessions') && request.method === 'POST') {
        json(response, 201, wireSession);
      } else if (request.url.startsWith('/prefix/v1/sessions/trs_BBBBBBBBBBBBBBBBBBBB') && request.method === 'PATCH') {
        json(response, 200, { ...wireSession, version: 5 });
      } else {
        json(response, 200, { items: [], next_cursor: null });
      }
    });
    const client = new Switchboard({ apiKey: 'sk_test', baseUrl: `${server.url}/prefix/`, headers: { 'x-extra': 'yes' } });
    expect(client.baseUrl).toBe(`${server.url}/prefix`);

    const session = await client.sessions.create('u1', {
      toolkits: { disable: ['backendless'] },
      tools: { bitbucket: { tags: ['readOnlyHint'] } },
      authConfigs: { bitbucket: 'ac_1' },
      connectedAccounts: { bitbucket: ['ca_1'] },
      manageConnections: { callbackUrl: 'https://app.example/cb', waitForConnections: false },
      preload: { tools: 'all' },
      readOnly: true,
      workbench: { autoOffloadThreshold: 100 },
      expiresIn: 600,
    });
    const created = server.received.at(-1)!;
    expect(created.headers).toMatchObject({ 'x-api-key': 'sk_test', 'content-type': 'application/json', 'x-extra': 'yes' });
    expect(JSON.parse(created.body)).toEqual({
      user_id: 'u1',
      toolkits: { disable: ['backendless'] },
      tools: { bitbucket: { tags: ['readOnlyHint'] } },
      auth_configs: { bitbucket: 'ac_1' },
      connected_accounts: { bitbucket: ['ca_1'] },
      manage_connections: { callback_url: 'https://app.example/cb', wait_for_connections: false },
      preload: { tools: 'all' },
      read_only: true,
      workbench: { auto_offload_threshold: 100 },
      expires_in: 600,
    });
    expect(session.toJSON()).toEqual({
      sessionId: 'trs_BBBBBBBBBBBBBBBBBBBB',
      userId: 'u1',
      mcp: { type: 'http', url: wireSession.mcp.url, headers: { 'x-api-key': 'sk_test' }, tokenUrl: wireSession.mcp.token_url },
      tools: ['search_tools'],
      config: {
        toolkits: { enabled: ['bitbucket'] },
        tools: {},
        tags: { enabled: [], disabled: [] },
        authConfigs: { bitbucket: 'ac_1' },
        connectedAccounts: {},
        manageConnections: { enabled: true, callbackUrl: 'https://app.example/cb', waitForConnections: false },
        mode: 'meta',
        preload: [],
        readOnly: true,
        workbench: { autoOffloadThreshold: 100 },
      },
      version: 4,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
      expiresAt: null,
    });

    const result = await session.execute('BITBUCKET_X', { repoSlug: 'a', snake_case: { innerKey: 1 } });
    expect(JSON.parse(server.received.at(-1)!.body)).toEqual({ tool_slug: 'BITBUCKET_X', arguments: { repoSlug: 'a', snake_case: { innerKey: 1 } } });
    expect(result).toEqual({ data: { display_name: 'Dev', nested: { some_key: [1] } }, error: null, successful: true, logId: 'log_1' });

    await session.update({ mode: 'direct', manageConnections: true });
    expect(server.received.at(-1)).toMatchObject({ method: 'PATCH', url: '/prefix/v1/sessions/trs_BBBBBBBBBBBBBBBBBBBB' });
    expect(JSON.parse(server.received.at(-1)!.body)).toEqual({ mode: 'direct', manage_connections: true, expected_version: 4 });
    expect(session.version).toBe(5);

    await client.connectedAccounts.list({ userId: 'u 1', toolkit: 'bitbucket', status: 'ACTIVE', authConfigId: 'ac_1', limit: 10, cursor: 'c' });
    expect(server.received.at(-1)!.url).toBe('/prefix/v1/connected-accounts?user_id=u+1&toolkit=bitbucket&status=ACTIVE&auth_config_id=ac_1&limit=10&cursor=c');
    await client.tools.list({ toolkit: 'bitbucket', search: 'pull request', tags: ['read', 'repositories'] });
    expect(server.received.at(-1)!.url).toBe('/prefix/v1/tools?toolkit=bitbucket&q=pull+request&tags=read%2Crepositories');
    await client.connectedAccounts.enable('ca_1');
    expect(server.received.at(-1)).toMatchObject({ method: 'POST', url: '/prefix/v1/connected-accounts/ca_1/enable', body: '' });
    expect(server.received.at(-1)!.headers['content-type']).toBeUndefined();
  });

  it('takes the key and URL from the environment, defaults to 127.0.0.1:8080, and refuses to start without a key', () => {
    delete process.env.SWITCHBOARD_URL;
    process.env.SWITCHBOARD_API_KEY = 'sk_from_env';
    expect(new Switchboard().baseUrl).toBe(defaultBaseUrl);
    expect(defaultBaseUrl).toBe('http://127.0.0.1:8080');
    process.env.SWITCHBOARD_URL = 'http://switchboard.internal:9000/';
    expect(new Switchboard().baseUrl).toBe('http://switchboard.internal:9000');
    expect(new Switchboard({ baseUrl: 'http://other:1' }).baseUrl).toBe('http://other:1');
    delete process.env.SWITCHBOARD_API_KEY;
    expect(() => new Switchboard()).toThrow('SWITCHBOARD_API_KEY');
    expect(() => new Switchboard({ apiKey: 'sk_x', baseUrl: 'switchboard.internal' })).toThrow('http(s) URL');
  });
});
