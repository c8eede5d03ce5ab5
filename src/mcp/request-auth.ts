import {
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  originValidationResponse,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';
import { SwitchboardError } from '../errors.js';
import type { Router, SessionContext } from '../router/index.js';
import type { TenancyService } from '../tenancy/index.js';
import { jsonRpcErrorResponse } from './server.js';

/** One HTTP request to an MCP endpoint, framework-neutral. */
export interface McpHttpRequest {
  method: string;
  url: URL;
  headers: Headers;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** The key from `x-api-key` or `Authorization: Bearer`. */
export function presentedKey(headers: Headers): string | undefined {
  const header = headers.get('x-api-key')?.trim();
  if (header) return header;
  const match = /^Bearer\s+(.+)$/i.exec(headers.get('authorization')?.trim() ?? '');
  return match?.[1]?.trim() || undefined;
}

/** DNS-rebinding protection: a response refusing a Host or Origin that is neither loopback nor the public URL's. */
export function rejectedHostOrOrigin(request: McpHttpRequest, publicUrl: string): Response | undefined {
  const allowed = [...localhostAllowedHostnames(), new URL(publicUrl).hostname];
  if (validateHostHeader(request.headers.get('host'), allowed).ok && validateOriginHeader(request.headers.get('origin'), allowed).ok) return undefined;
  // Refused: the SDK writes the answer (status and JSON-RPC body) from a web Request.
  const probe = new Request(request.url, { headers: request.headers });
  return hostHeaderValidationResponse(probe, allowed) ?? originValidationResponse(probe, allowed);
}

/**
 * The session context a request acts in: a session URL token (`?token=`, session endpoints only)
 * or an API key; on the universal endpoint (`sessionId` undefined) the key's user or `x-user-id`.
 */
export async function sessionContextFor(
  deps: { router: Router; tenancy: TenancyService },
  request: McpHttpRequest,
  sessionId: string | undefined,
): Promise<SessionContext> {
  const token = request.url.searchParams.get('token');
  if (sessionId && token && !presentedKey(request.headers)) return deps.router.openWithToken(sessionId, token);
  const key = presentedKey(request.headers);
  if (!key) {
    throw new SwitchboardError(
      'UNAUTHENTICATED',
      sessionId
        ? 'Missing credentials: send the API key as "x-api-key: sk_…" or "Authorization: Bearer sk_…", or use the session\'s token_url.'
        : 'Missing API key: send it as "x-api-key: sk_…" or "Authorization: Bearer sk_…".',
    );
  }
  const principal = await deps.tenancy.apiKeys.authenticate(key);
  if (sessionId) return deps.router.open(principal, sessionId);
  // A user-bound key naming another user in x-user-id is refused (by actingUser), not silently overridden.
  const userId = request.headers.get('x-user-id') ?? principal.userId;
  if (!userId) {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      'The universal /mcp endpoint needs to know the end user: use a key bound to a user (POST /v1/api-keys {"user_id": …}) or send "x-user-id".',
      { field: 'x-user-id' },
    );
  }
  return deps.router.universal(principal, userId);
}

/**
 * The checks every MCP request passes before it is served: Host/Origin, then credentials. Resolves
 * to the session context, or to the HTTP answer that refuses the request.
 */
export async function authorizedContext(
  deps: { router: Router; tenancy: TenancyService; publicUrl: () => string },
  request: McpHttpRequest,
  sessionId: string | undefined,
): Promise<SessionContext | Response> {
  const rejected = rejectedHostOrOrigin(request, deps.publicUrl());
  if (rejected) return rejected;
  try {
    return await sessionContextFor(deps, request, sessionId);
  } catch (error) {
    return jsonRpcErrorResponse(error);
  }
}
