import { SwitchboardError } from '../errors.js';
import { findUnstorableText } from '../json.js';
import type { McpHttpRequest } from './request-auth.js';
import { jsonRpcErrorResponse, toJsonRpcError } from './server.js';

/*
 * NUL characters and lone surrogates are refused in everything an MCP request carries that reaches
 * the database or the audit: the URL, the user and transport headers, and every message's params,
 * tool arguments included (they are digested into audit rows, handed to meta-tools that store
 * them, and sent upstream). REST refuses the same text the same way; binary belongs in base64.
 */

type RequestId = string | number;

function unstorable(where: string, value: unknown): SwitchboardError | undefined {
  const found = findUnstorableText(value);
  if (!found) return undefined;
  const field = [where, ...found.path].join('.');
  return new SwitchboardError('VALIDATION_FAILED', `Invalid params: ${field} ${found.reason}.`, { field, issues: [{ field, message: found.reason }] });
}

/** The HTTP answer (400, JSON-RPC error) refusing a URL or header the database could not store. */
export function refusedRequestText(request: McpHttpRequest, sessionId: string | undefined): Response | undefined {
  const refused =
    unstorable('params.session_id', sessionId ?? '') ??
    unstorable('query', Object.fromEntries(request.url.searchParams)) ??
    unstorable('headers', { 'x-user-id': request.headers.get('x-user-id') ?? '', 'mcp-session-id': request.headers.get('mcp-session-id') ?? '' });
  return refused ? jsonRpcErrorResponse(refused) : undefined;
}

/** The JSON-RPC error refusing one message's params, or undefined when they can be stored. */
export function unstorableParamsError(message: unknown): { jsonrpc: '2.0'; id: RequestId | null; error: ReturnType<typeof toJsonRpcError> } | undefined {
  if (!message || typeof message !== 'object') return undefined;
  const { id, params } = message as { id?: unknown; params?: unknown };
  const refused = unstorable('params', params);
  if (!refused) return undefined;
  return { jsonrpc: '2.0', id: typeof id === 'string' || typeof id === 'number' ? id : null, error: toJsonRpcError(refused) };
}

/**
 * For a Streamable HTTP POST (its parsed body): the answer refusing a message with unstorable
 * params. A request gets its JSON-RPC error under its own id (the client's call fails with -32602);
 * a notification or a batch holding such a message is refused as a whole with HTTP 400.
 */
export function refusedMessageText(parsed: unknown): Response | undefined {
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  for (const message of messages) {
    const refusal = unstorableParamsError(message);
    if (!refusal) continue;
    const answerable = !Array.isArray(parsed) && refusal.id !== null;
    return new Response(JSON.stringify(answerable ? refusal : { ...refusal, id: null }), {
      status: answerable ? 200 : 400,
      headers: { 'content-type': 'application/json' },
    });
  }
  return undefined;
}
