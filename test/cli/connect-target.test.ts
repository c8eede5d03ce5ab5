import { describe, expect, it } from 'vitest';
import { bridgeErrorFor, displayUrl, parseEndpoint, startupFailure } from '../../src/cli/connect-target.js';
import { RemoteError } from '../../src/cli/rest-client.js';
import { SwitchboardError } from '../../src/errors.js';

const base = 'http://127.0.0.1:8080';
/** What the SDK's HTTP transport throws for a non-2xx answer. */
const httpError = (status: number, body: unknown) => Object.assign(new Error(`HTTP ${status}`), { data: { status, text: JSON.stringify(body) } });
const fetchFailed = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });

describe('switchboard connect: endpoints', () => {
  it('takes a base URL, with or without a path prefix, or a full MCP URL', () => {
    expect(parseEndpoint('http://127.0.0.1:8080/')).toEqual({ base, search: '' });
    expect(parseEndpoint('https://tools.example.com/switchboard')).toEqual({ base: 'https://tools.example.com/switchboard', search: '' });
    expect(parseEndpoint('http://127.0.0.1:8080/mcp')).toEqual({ base, search: '' });
    expect(parseEndpoint('https://tools.example.com/sb/mcp/trs_abcDEF123/')).toEqual({
      base: 'https://tools.example.com/sb',
      sessionId: 'trs_abcDEF123',
      search: '',
    });
    expect(parseEndpoint('http://127.0.0.1:8080/mcp/trs_abc?token=secret')).toEqual({ base, sessionId: 'trs_abc', search: '?token=secret' });
  });

  it('refuses what is not an http(s) URL or names no session', () => {
    expect(() => parseEndpoint('127.0.0.1:8080')).toThrow(/not a URL/);
    expect(() => parseEndpoint('ftp://example.com')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => parseEndpoint('http://127.0.0.1:8080/mcp/sessions')).toThrow(/not a session id/);
  });

  it('never shows a session token', () => {
    expect(displayUrl('relaying to http://h/mcp/trs_a?token=abc.def&x=1')).toBe('relaying to http://h/mcp/trs_a?token=…&x=1');
  });
});

describe('switchboard connect: start-up failures are one actionable line', () => {
  const context = { base, credential: 'the API key' as const };

  it("names the refused credential, the unknown session and the missing user, with Switchboard's own message", () => {
    const unauthenticated = startupFailure(
      httpError(401, { jsonrpc: '2.0', error: { code: -32001, message: 'The API key is not valid.', data: { code: 'UNAUTHENTICATED' } }, id: null }),
      context,
    );
    expect(unauthenticated).toBeInstanceOf(SwitchboardError);
    expect(unauthenticated).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(unauthenticated.message).toBe(`Switchboard at ${base} refused the API key: The API key is not valid. Check --api-key (or SWITCHBOARD_API_KEY).`);
    expect(
      startupFailure(new RemoteError(401, 'UNAUTHENTICATED', 'The API key is not valid.'), { ...context, credential: 'the session token' }).message,
    ).toContain('refused the session token: The API key is not valid. Check the token_url.');

    const missing = httpError(404, { jsonrpc: '2.0', error: { code: -32602, message: 'Session trs_x was not found.', data: { code: 'NOT_FOUND' } }, id: null });
    expect(startupFailure(missing, context).message).toBe('Session trs_x was not found. Check --session, or pass --toolkits instead to create a new session.');

    const noUser = httpError(400, {
      jsonrpc: '2.0',
      error: { code: -32602, message: 'needs a user', data: { code: 'VALIDATION_FAILED', field: 'x-user-id' } },
      id: null,
    });
    expect(startupFailure(noUser, context).message).toContain('pass --user <id>');
    expect(
      startupFailure(new RemoteError(400, 'VALIDATION_FAILED', 'user_id is required: name the end user.'), { ...context, creating: true }).message,
    ).toContain('pass --user <id>');
    expect(startupFailure(new RemoteError(404, 'TOOLKIT_NOT_FOUND', 'No toolkit nope.'), { ...context, creating: true }).message).toBe(
      `Switchboard at ${base} refused the new session: No toolkit nope.`,
    );
  });

  it("explains the server's Host guard, a server that is not Switchboard, and one that cannot be reached", () => {
    const host = startupFailure(httpError(403, { jsonrpc: '2.0', error: { code: -32000, message: 'Invalid Host header: sb.lan' }, id: null }), context);
    expect(host.message).toContain('refused the connection (HTTP 403): Invalid Host header: sb.lan');
    expect(host.message).toContain('SWITCHBOARD_PUBLIC_URL');
    expect(startupFailure(Object.assign(new Error('HTTP 404'), { data: { status: 404, text: '<html>Not Found</html>' } }), context).message).toContain(
      'did not answer like a Switchboard server (HTTP 404)',
    );
    expect(startupFailure(fetchFailed('ECONNREFUSED'), context).message).toBe(
      `Cannot reach Switchboard at ${base} (connection refused); check --endpoint (or SWITCHBOARD_URL) and that the server is running.`,
    );
    expect(startupFailure(new RemoteError(0, 'UNREACHABLE', 'x', { cause: fetchFailed('ENOTFOUND') }), context).message).toContain('(host not found)');
    expect(startupFailure(new DOMException('timed out', 'TimeoutError'), context).message).toContain('did not answer in time');
  });

  it('gives the MCP client Switchboard’s JSON-RPC error unchanged, or one that says what failed', () => {
    const error = { code: -32602, message: 'Session trs_x was not found.', data: { code: 'NOT_FOUND', session_id: 'trs_x' } };
    expect(bridgeErrorFor(httpError(404, { jsonrpc: '2.0', error, id: null }), base)).toEqual(error);
    expect(bridgeErrorFor(fetchFailed('ECONNREFUSED'), base)).toMatchObject({
      code: -32000,
      message: expect.stringContaining('connection refused'),
      data: { code: 'SERVICE_UNAVAILABLE' },
    });
    expect(bridgeErrorFor(Object.assign(new Error('x'), { data: { status: 502, text: 'Bad gateway' } }), base)).toMatchObject({
      code: -32603,
      message: 'Switchboard answered HTTP 502.',
    });
  });
});
