import { ProtocolError, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { ToolCallParams } from './server.js';

/** The requests an agent sends over and over in a 2025-era session, once it is initialized. */
export type DirectRequest = { id: string | number; method: 'tools/list' } | { id: string | number; method: 'tools/call'; params: ToolCallParams };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const legacyVersions = new Set(SUPPORTED_PROTOCOL_VERSIONS.filter((version) => version < '2026'));

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  for (const key in value) if (!allowed.includes(key)) return false;
  return true;
}

/**
 * A `tools/call` or `tools/list` of an initialized 2025-era session that can be answered without
 * the SDK's per-request server and transport: the handlers are the same (`sessionToolHandlers`),
 * only the envelope is written here. Anything else, or anything unusual about the request (a
 * batch, a missing or unsupported protocol version, an Accept without JSON, params outside the
 * plain shape, a progress token), is left to the SDK, which answers it as the spec says.
 */
export function directRequest(message: unknown, headers: Headers): DirectRequest | undefined {
  if (!isRecord(message) || message.jsonrpc !== '2.0') return undefined;
  const { id, method, params } = message;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  if (method !== 'tools/call' && method !== 'tools/list') return undefined;
  if (!legacyVersions.has(headers.get('mcp-protocol-version') ?? '')) return undefined;
  if (!(headers.get('accept') ?? '').includes('application/json')) return undefined;
  if (!(headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) return undefined;
  if (params !== undefined && !isRecord(params)) return undefined;
  if (params?._meta !== undefined && !(isRecord(params._meta) && Object.keys(params._meta).length === 0)) return undefined;
  if (method === 'tools/list') {
    // No pagination: the whole list is one page, so a cursor is left to the SDK's validation.
    return params === undefined || onlyKeys(params, ['_meta']) ? { id, method } : undefined;
  }
  if (!params || typeof params.name !== 'string' || !onlyKeys(params, ['name', 'arguments', '_meta'])) return undefined;
  if (params.arguments !== undefined && !isRecord(params.arguments)) return undefined;
  return { id, method, params: { name: params.name, arguments: params.arguments as Record<string, unknown> | undefined } };
}

/** The JSON-RPC answer to a direct request, as the SDK would write it in JSON response mode. */
export async function answerDirectly(request: DirectRequest, run: () => Promise<unknown>, onerror?: (error: Error) => void): Promise<Response> {
  let body: string;
  try {
    body = JSON.stringify({ jsonrpc: '2.0', id: request.id, result: await run() });
  } catch (error) {
    const failure =
      error instanceof ProtocolError
        ? { code: error.code, message: error.message, ...(error.data !== undefined ? { data: error.data } : {}) }
        : (onerror?.(error as Error), { code: -32603, message: 'Internal error: the request id of this call identifies it in the server log.' });
    body = JSON.stringify({ jsonrpc: '2.0', id: request.id, error: failure });
  }
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}
