import type { Dispatcher } from 'undici';
import type { CredentialResolver, ResolvedCredential } from '../auth/index.js';
import type { Catalog, ResolvedTool } from '../catalog/index.js';
import { type ErrorCode, SwitchboardError } from '../errors.js';
import type { OutboundClient } from '../outbound/index.js';
import { actingUser, type Principal, requireScope, type TenancyService } from '../tenancy/index.js';
import { applyCredential, type RequestParts } from './apply-credential.js';
import { createArgumentValidator } from './arguments.js';
import { type AuditLog, argumentsDigest } from './audit.js';
import { buildUpstreamRequest } from './build-request.js';
import type { UpstreamResponse } from './http-call.js';
import { decodeBody, mapResponse, upstreamError, upstreamRedirect } from './response.js';
import { renderTemplate } from './template.js';

export interface ExecuteRequest {
  tool_slug: string;
  /** The end user; a user-bound principal may leave it out. */
  user_id?: string | undefined;
  arguments?: unknown;
  connected_account_id?: string | undefined;
}

/** The result shape agents already know from hosted routers, plus a typed error code. */
export interface ExecutionResult {
  data: unknown;
  error: string | null;
  successful: boolean;
  log_id: string;
  error_code?: ErrorCode;
  error_details?: Record<string, unknown>;
  /** For tools that declare pagination: whether more results exist and how to reach them. */
  pagination?: { style: 'link' | 'offset' | 'page'; has_more: boolean; next: unknown };
  /** Set when a session's offload threshold applied but the result could not be stored: `data` is the whole result. */
  offload_error?: string;
}

export interface ExecutorOptions {
  catalog: Catalog;
  credentials: CredentialResolver;
  tenancy: TenancyService;
  audit: AuditLog;
  outbound: OutboundClient;
  /** Per call, retries included. */
  timeoutMs?: number;
  maxAttempts?: number;
  maxRetryAfterMs?: number;
  maxResponseBytes?: number;
}

/** Errors about the call itself (not the upstream's answer): REST reports them as HTTP errors. */
export const callerErrorCodes: ReadonlySet<ErrorCode> = new Set([
  'VALIDATION_FAILED',
  'TOOL_NOT_FOUND',
  'TOOLKIT_NOT_FOUND',
  'NOT_CONNECTED',
  'NOT_FOUND',
  'FORBIDDEN',
  'OUTBOUND_BLOCKED',
]);

/**
 * validate → resolve credentials → build request → outbound check → call (deadline, retries) →
 * map response → audit. Every attempt after authentication leaves an audit row, failures included.
 */
export function createExecutor(options: ExecutorOptions) {
  const validator = createArgumentValidator();
  // The HTTP client (undici, ~150 ms to load) is loaded with the first tool call, not at start-up.
  let transport: Promise<{ dispatcher: Dispatcher; callUpstream: typeof import('./http-call.js').callUpstream }> | undefined;
  const loadTransport = () =>
    (transport ??= Promise.all([import('./http-call.js'), options.outbound.dispatcher()]).then(([http, dispatcher]) => ({
      dispatcher,
      callUpstream: http.callUpstream,
    })));
  const limits = {
    timeoutMs: options.timeoutMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 3,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 10_000,
    maxResponseBytes: options.maxResponseBytes ?? 10 * 1024 * 1024,
  };

  async function credentialFor(principal: Principal, resolved: ResolvedTool, userId: string, accountId: string | undefined): Promise<ResolvedCredential> {
    const { toolkit } = resolved;
    if (!accountId && toolkit.auth.every((scheme) => scheme.type === 'none')) {
      return { connectedAccountId: null, scheme: 'none', fields: {} };
    }
    const credential = await options.credentials.resolve({ projectId: principal.projectId, userId, toolkit: toolkit.slug, connectedAccountId: accountId });
    if (credential.allowedTools && !credential.allowedTools.includes(resolved.tool.slug)) {
      throw new SwitchboardError(
        'FORBIDDEN',
        `${resolved.tool.slug} is not allowed for accounts of auth config ${credential.authConfigId}; its allowed_tools are ${credential.allowedTools.slice(0, 10).join(', ') || 'empty'}.`,
        { tool_slug: resolved.tool.slug, auth_config_id: credential.authConfigId },
      );
    }
    return credential;
  }

  function requestFor(resolved: ResolvedTool, args: Record<string, unknown>, credential: ResolvedCredential) {
    const scheme = resolved.toolkit.auth.find((candidate) => candidate.type === credential.scheme);
    if (!scheme) {
      throw new SwitchboardError('NOT_CONNECTED', `The account uses ${credential.scheme}, which ${resolved.toolkit.slug} does not accept; reconnect it.`, {
        connected_account_id: credential.connectedAccountId,
      });
    }
    const parts: RequestParts = { headers: {}, query: [], urlVariables: {} };
    applyCredential(scheme, credential, parts);
    const upstreamRequest = buildUpstreamRequest({
      resolved,
      args,
      connection: credential.fields,
      urlVariables: parts.urlVariables,
      baseUrl: credential.baseUrl,
      serverUrls: credential.serverUrls,
      headers: parts.headers,
      query: parts.query,
    });
    options.outbound.policy.checkUrl(upstreamRequest.url);
    return upstreamRequest;
  }

  return {
    async execute(principal: Principal, request: ExecuteRequest, signal?: AbortSignal): Promise<ExecutionResult> {
      requireScope(principal, 'tools:execute');
      const started = performance.now();
      let resolved: ResolvedTool | undefined;
      let credential: ResolvedCredential | undefined;
      let response: UpstreamResponse | undefined;
      let requestBytes = 0;
      let userId: string | null = null;
      let data: unknown = null;
      let pagination: ExecutionResult['pagination'];
      let failure: SwitchboardError | undefined;
      try {
        userId = await options.tenancy.ensureUser(principal.projectId, actingUser(principal, request.user_id));
        resolved = await options.catalog.findTool(principal.projectId, request.tool_slug);
        const args = await validator.validate(resolved.tool.slug, resolved.cacheKey, resolved.tool.input_schema, request.arguments ?? {});
        credential = await credentialFor(principal, resolved, userId, request.connected_account_id);
        let upstreamRequest = requestFor(resolved, args, credential);
        requestBytes = upstreamRequest.body ? Buffer.byteLength(upstreamRequest.body) : 0;
        const { annotations } = resolved.tool;
        const { dispatcher, callUpstream } = await loadTransport();
        const call = () =>
          callUpstream(upstreamRequest, {
            dispatcher,
            policy: options.outbound.policy,
            ...limits,
            retry: annotations.readOnlyHint || annotations.idempotentHint,
            signal,
          });
        response = await call();
        if (response.status === 401 && credential.scheme === 'oauth2') {
          // The token was refused (revoked, or expired early): refresh once and repeat the call, which the 401 says did not run.
          credential = await options.credentials.recoverFromRejection(credential);
          upstreamRequest = requestFor(resolved, args, credential);
          response = await call();
        }
        const host = upstreamRequest.url.host;
        if (response.status >= 300 && response.status < 400) throw upstreamRedirect(response, upstreamRequest.url);
        const body = decodeBody(response, resolved.tool.response.binary, host);
        if (response.status >= 400) throw upstreamError(response, body, host);
        const scope = { body, args, status: response.status, headers: response.headers, size: response.body.length };
        data = mapResponse(resolved.tool.response, scope);
        const paging = resolved.tool.response.pagination;
        if (paging) {
          const next = paging.next ? (renderTemplate(paging.next, scope as unknown as Record<string, unknown>) ?? null) : null;
          pagination = { style: paging.style, has_more: next !== null && next !== '', next };
        }
      } catch (error) {
        failure =
          error instanceof SwitchboardError
            ? error
            : new SwitchboardError('INTERNAL', 'The execution failed unexpectedly; the log id identifies it.', undefined, { cause: error });
      }
      const logId = options.audit.record({
        projectId: principal.projectId,
        userId,
        apiKeyId: principal.keyId,
        toolSlug: request.tool_slug.slice(0, 200),
        toolkit: resolved?.toolkit.slug ?? null,
        toolkitVersion: resolved?.toolkit.version ?? null,
        connectedAccountId: credential?.connectedAccountId ?? null,
        successful: !failure,
        errorCode: failure?.code ?? null,
        errorMessage: failure?.message ?? null,
        httpStatus: response?.status ?? (failure?.details?.status as number | undefined) ?? null,
        attempts: response?.attempts ?? (failure?.details?.attempts as number | undefined) ?? 0,
        latencyMs: Math.round(performance.now() - started),
        requestBytes,
        responseBytes: response?.body.length ?? 0,
        argumentsDigest: resolved ? argumentsDigest(request.arguments, resolved.tool.secret_arguments) : null,
      });
      if (credential?.connectedAccountId && response) await options.credentials.markUsed(credential);
      if (!failure) return { data, error: null, successful: true, log_id: logId, ...(pagination ? { pagination } : {}) };
      return {
        data: null,
        error: failure.message,
        successful: false,
        log_id: logId,
        error_code: failure.code,
        ...(failure.details ? { error_details: failure.details } : {}),
      };
    },

    async close(): Promise<void> {
      await options.audit.flush();
    },
  };
}

export type Executor = ReturnType<typeof createExecutor>;
