import { SwitchboardError } from '../errors.js';
import { createRestClient, RemoteError } from './rest-client.js';

/** Where `switchboard connect` bridges to, and how it authenticates there. */
export interface ConnectTarget {
  /** Base URL of the Switchboard server (REST API root). */
  base: string;
  /** The Streamable HTTP endpoint the bridge talks to. */
  mcpUrl: string;
  headers: Record<string, string>;
  /** What authenticates the bridge, as messages name it. */
  credential: Credential;
  /** A line for the log: what the bridge is connected to (no secrets). */
  description: string;
}

type Credential = 'the API key' | 'the session token';

export interface ConnectFlags {
  /** Optional only with a session's token_url as the endpoint. */
  apiKey?: string | undefined;
  endpoint: string;
  user?: string | undefined;
  toolkits?: string[] | undefined;
  session?: string | undefined;
}

interface ParsedEndpoint {
  base: string;
  /** A session id named by a full MCP URL (`…/mcp/trs_…`). */
  sessionId?: string;
  /** The query of a full MCP URL (a session's `token_url`), kept for the MCP URL. */
  search: string;
}

const sessionIdPattern = /^trs_[A-Za-z0-9]+$/;

/** Accepts the server's base URL or a full MCP URL (`…/mcp`, `…/mcp/trs_…`), with or without a path prefix. */
export function parseEndpoint(raw: string): ParsedEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SwitchboardError('VALIDATION_FAILED', `--endpoint ${JSON.stringify(raw)} is not a URL; pass the server's base URL, e.g. http://127.0.0.1:8080.`, {
      field: 'endpoint',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SwitchboardError('VALIDATION_FAILED', `--endpoint must be an http:// or https:// URL, not ${url.protocol}//…`, { field: 'endpoint' });
  }
  const mcpPath = /^(.*?)\/mcp(?:\/([^/]+))?\/?$/.exec(url.pathname);
  if (!mcpPath) return { base: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, search: '' };
  const sessionId = mcpPath[2] ? decodeURIComponent(mcpPath[2]) : undefined;
  if (sessionId !== undefined && !sessionIdPattern.test(sessionId)) {
    throw new SwitchboardError('VALIDATION_FAILED', `--endpoint ends in /mcp/${sessionId}, which is not a session id (trs_…).`, { field: 'endpoint' });
  }
  return { base: `${url.origin}${mcpPath[1]}`, ...(sessionId ? { sessionId } : {}), search: url.search };
}

/** Shows a URL without secrets: a session URL token is replaced. */
export function displayUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/g, '$1…');
}

function conflict(message: string): SwitchboardError {
  return new SwitchboardError('VALIDATION_FAILED', message);
}

/**
 * Decides where to bridge: the session named (by --session or a full MCP URL), a session created
 * now for --toolkits, or the universal `/mcp` (the key's user, or --user as `x-user-id`).
 */
export async function resolveTarget(flags: ConnectFlags, timeoutMs: number): Promise<ConnectTarget> {
  const endpoint = parseEndpoint(flags.endpoint);
  const base = endpoint.base;
  const headers: Record<string, string> = flags.apiKey ? { 'x-api-key': flags.apiKey } : {};
  const credential: Credential = flags.apiKey ? 'the API key' : 'the session token';
  if (flags.session !== undefined && !sessionIdPattern.test(flags.session)) {
    throw new SwitchboardError('VALIDATION_FAILED', `--session takes a session id like trs_…, not ${JSON.stringify(flags.session)}.`, { field: 'session' });
  }
  if (flags.session && endpoint.sessionId && flags.session !== endpoint.sessionId) {
    throw conflict(`--session ${flags.session} and --endpoint (session ${endpoint.sessionId}) name different sessions; pass one.`);
  }
  const sessionId = flags.session ?? endpoint.sessionId;
  if (!flags.apiKey && !(endpoint.sessionId && new URLSearchParams(endpoint.search).has('token'))) {
    throw new SwitchboardError('UNAUTHENTICATED', "No API key: pass --api-key sk_… or set SWITCHBOARD_API_KEY (or pass a session's token_url as --endpoint).");
  }

  if (sessionId) {
    if (flags.toolkits) throw conflict('--toolkits creates a new session; it cannot be combined with an existing session (--session or a session URL).');
    if (flags.user) throw conflict(`A session already acts for one user; drop --user, or drop --session to use the universal endpoint as ${flags.user}.`);
    return { base, mcpUrl: `${base}/mcp/${sessionId}${endpoint.search}`, headers, credential, description: `session ${sessionId}` };
  }

  if (flags.toolkits && flags.apiKey) {
    const request = createRestClient({ endpoint: base, apiKey: flags.apiKey, timeoutMs });
    let created: { session_id: string; user_id: string };
    try {
      created = await request('POST', '/v1/sessions', { ...(flags.user ? { user_id: flags.user } : {}), toolkits: flags.toolkits });
    } catch (error) {
      throw startupFailure(error, { base, credential, creating: true });
    }
    return {
      base,
      mcpUrl: `${base}/mcp/${created.session_id}`,
      headers,
      credential,
      description: `new session ${created.session_id} (user ${created.user_id}, toolkits ${flags.toolkits.join(', ')})`,
    };
  }

  if (flags.user) headers['x-user-id'] = flags.user;
  return { base, mcpUrl: `${base}/mcp`, headers, credential, description: `the universal endpoint (user ${flags.user ?? 'of the key'})` };
}

interface FailureContext {
  base: string;
  credential: Credential;
  /** The failure happened while creating a session through the REST API. */
  creating?: boolean;
}

/** Switchboard's error code and message from a JSON-RPC or REST error body, if the text is one. */
export function switchboardErrorIn(text: unknown): { code?: string; message: string; data?: Record<string, unknown>; rpcCode?: number } | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; data?: Record<string, unknown> } };
    const error = body.error;
    if (!error || typeof error.message !== 'string') return undefined;
    if (typeof error.code === 'number') {
      const code = typeof error.data?.code === 'string' ? error.data.code : undefined;
      return { ...(code ? { code } : {}), message: error.message, ...(error.data ? { data: error.data } : {}), rpcCode: error.code };
    }
    return { ...(typeof error.code === 'string' ? { code: error.code } : {}), message: error.message };
  } catch {
    return undefined;
  }
}

const networkCodes: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
};

/** The reason a fetch failed below HTTP (refused, unknown host, TLS), in a few words. */
export function networkReason(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'TimeoutError') return 'timeout';
  const cause = error.cause as (Error & { code?: string }) | undefined;
  if (error.name !== 'TypeError' || error.message !== 'fetch failed') return undefined;
  return (cause?.code && networkCodes[cause.code]) ?? cause?.code ?? cause?.message ?? 'fetch failed';
}

function unreachable(base: string, reason: string): SwitchboardError {
  return new SwitchboardError(
    'SERVICE_UNAVAILABLE',
    reason === 'timeout'
      ? `Switchboard at ${base} did not answer in time; check --endpoint (or SWITCHBOARD_URL) and the server's log.`
      : `Cannot reach Switchboard at ${base} (${reason}); check --endpoint (or SWITCHBOARD_URL) and that the server is running.`,
  );
}

/** Turns what went wrong while connecting into one line a user can act on. */
export function startupFailure(error: unknown, { base, credential, creating = false }: FailureContext): SwitchboardError {
  if (error instanceof SwitchboardError) return error;
  let status: number | undefined;
  let found: ReturnType<typeof switchboardErrorIn>;
  if (error instanceof RemoteError) {
    if (error.code === 'UNREACHABLE' || error.code === 'TIMEOUT') return unreachable(base, networkReason(error.cause) ?? 'unreachable');
    status = error.status;
    found = error.code === 'INVALID_RESPONSE' ? undefined : { code: error.code, message: error.message };
  } else {
    const reason = networkReason(error);
    if (reason) return unreachable(base, reason);
    const data = (error as { data?: { status?: unknown; text?: unknown } } | undefined)?.data;
    status = typeof data?.status === 'number' ? data.status : undefined;
    found = switchboardErrorIn(data?.text);
  }
  if (found && !found.code) {
    // An MCP answer, but not Switchboard's own error: the SDK's DNS-rebinding guard, or a gateway in front.
    const hint = /\bhost\b/i.test(found.message)
      ? ` The server accepts only localhost and the host of its SWITCHBOARD_PUBLIC_URL; set that to the URL you pass as --endpoint.`
      : '';
    return new SwitchboardError('UPSTREAM_ERROR', `Switchboard at ${base} refused the connection (HTTP ${status ?? '?'}): ${found.message}${hint}`);
  }
  if (!found?.code) {
    return new SwitchboardError(
      'UPSTREAM_INVALID_RESPONSE',
      status === undefined
        ? `Could not connect to Switchboard at ${base}: ${(error as Error).message}`
        : `${base} did not answer like a Switchboard server (HTTP ${status}); --endpoint takes the server's base URL, e.g. http://127.0.0.1:8080.`,
    );
  }
  switch (found.code) {
    case 'UNAUTHENTICATED':
      return new SwitchboardError(
        'UNAUTHENTICATED',
        `Switchboard at ${base} refused ${credential}: ${found.message} Check ${credential === 'the API key' ? '--api-key (or SWITCHBOARD_API_KEY)' : 'the token_url'}.`,
      );
    case 'FORBIDDEN':
      return new SwitchboardError('FORBIDDEN', `Switchboard at ${base} refused ${credential}: ${found.message}`);
    case 'NOT_FOUND':
      return new SwitchboardError('NOT_FOUND', `${found.message} Check --session, or pass --toolkits instead to create a new session.`);
    case 'VALIDATION_FAILED':
      if (found.data?.field === 'x-user-id' || (creating && /user_id/.test(found.message))) {
        return new SwitchboardError('VALIDATION_FAILED', `This API key is not bound to an end user: pass --user <id> to name the user the agent acts for.`);
      }
      return new SwitchboardError('VALIDATION_FAILED', `Switchboard at ${base} refused ${creating ? 'the new session' : 'the connection'}: ${found.message}`);
    default:
      return new SwitchboardError('UPSTREAM_ERROR', `Switchboard at ${base} refused ${creating ? 'the new session' : 'the connection'}: ${found.message}`);
  }
}

/** The JSON-RPC error the MCP client gets for a request the bridge could not deliver. */
export function bridgeErrorFor(error: unknown, base: string): { code: number; message: string; data?: Record<string, unknown> } {
  const data = (error as { data?: { status?: unknown; text?: unknown } } | undefined)?.data;
  const found = switchboardErrorIn(data?.text);
  if (found?.rpcCode !== undefined) return { code: found.rpcCode, message: found.message, ...(found.data ? { data: found.data } : {}) };
  const reason = networkReason(error);
  if (reason) return { code: -32000, message: unreachable(base, reason).message, data: { code: 'SERVICE_UNAVAILABLE' } };
  if (typeof data?.status === 'number') {
    return {
      code: -32603,
      message: `Switchboard answered HTTP ${data.status}${found ? `: ${found.message}` : '.'}`,
      data: { code: 'UPSTREAM_ERROR', status: data.status },
    };
  }
  return { code: -32603, message: `The request could not be forwarded to Switchboard: ${(error as Error | undefined)?.message ?? String(error)}` };
}
