import type { ErrorCode } from '../errors.js';

/** An error code from the server's catalogue; unknown future codes come through as plain strings. */
export type ApiErrorCode = ErrorCode | (string & Record<never, never>);

/** What the server said about a failed request (`{"error": {code, message, details, request_id}}`). */
export interface ApiErrorInit {
  /** HTTP status of the response. */
  status: number;
  code: ApiErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  /** `METHOD /path` of the request that failed (no query string). */
  request?: string | undefined;
  /** Seconds from a `Retry-After` header, when the server sent one. */
  retryAfterSeconds?: number | undefined;
}

/**
 * The server answered with an error. `code` is stable (see the README's error list), `message` is
 * for people, `details` holds machine-readable context (the field that failed validation, the
 * request that connects an account…), `requestId` matches the server's logs.
 *
 * Common cases have subclasses to branch on with `instanceof`; every API error is also an
 * instance of this class.
 */
export class SwitchboardApiError extends Error {
  override readonly name: string = 'SwitchboardApiError';
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details: Record<string, unknown>;
  readonly requestId: string | undefined;
  /** `METHOD /path` of the request that failed. */
  readonly request: string | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? {};
    this.requestId = init.requestId;
    this.request = init.request;
  }
}

/** 400: the request was rejected as invalid (`VALIDATION_FAILED`, `INVALID_JSON`); `field` names what to fix when the server said. */
export class SwitchboardValidationError extends SwitchboardApiError {
  override readonly name = 'SwitchboardValidationError';
  /** The field that failed, e.g. `body.toolkit` or `arguments.repo_slug`, when known. */
  get field(): string | undefined {
    const field = this.details.field;
    if (typeof field === 'string') return field;
    const issues = this.details.issues;
    const first = Array.isArray(issues) ? (issues[0] as { field?: unknown } | undefined) : undefined;
    return typeof first?.field === 'string' ? first.field : undefined;
  }
}

/** 401 `UNAUTHENTICATED`: the API key is missing, unknown, revoked or expired. */
export class SwitchboardAuthenticationError extends SwitchboardApiError {
  override readonly name = 'SwitchboardAuthenticationError';
}

/** 403 (`FORBIDDEN`, `OUTBOUND_BLOCKED`): the key may not do this, or the session's policy does not allow the tool. */
export class SwitchboardPermissionError extends SwitchboardApiError {
  override readonly name = 'SwitchboardPermissionError';
}

/** 404 (`NOT_FOUND`, `TOOL_NOT_FOUND`, `TOOLKIT_NOT_FOUND`, `ROUTE_NOT_FOUND`): no such resource for this key. */
export class SwitchboardNotFoundError extends SwitchboardApiError {
  override readonly name = 'SwitchboardNotFoundError';
}

/**
 * 409 `CONFLICT`: the resource changed meanwhile (a session updated since you read it) or is still
 * in use. For a session: `await session.refresh()`, then reapply the change.
 */
export class SwitchboardConflictError extends SwitchboardApiError {
  override readonly name = 'SwitchboardConflictError';
  /** The resource's current version, when the server said (sessions). */
  get currentVersion(): number | undefined {
    return typeof this.details.version === 'number' ? this.details.version : undefined;
  }
}

/** The request the server suggests to (re)connect an account, e.g. `POST /v1/connect-links {user_id, toolkit}`. */
export interface ConnectInstructions {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/**
 * 409 `NOT_CONNECTED`: the user has no usable connected account for the toolkit (none, or it is
 * INITIATED, FAILED, EXPIRED or DISABLED). Send the user a connect link (`session.authorize(toolkit)`).
 */
export class SwitchboardNotConnectedError extends SwitchboardApiError {
  override readonly name = 'SwitchboardNotConnectedError';
  get toolkit(): string | undefined {
    return typeof this.details.toolkit === 'string' ? this.details.toolkit : undefined;
  }
  get userId(): string | undefined {
    return typeof this.details.user_id === 'string' ? this.details.user_id : undefined;
  }
  get connectedAccountId(): string | undefined {
    return typeof this.details.connected_account_id === 'string' ? this.details.connected_account_id : undefined;
  }
  /** The request that creates a connect link for this user and toolkit (absent for a disabled account). */
  get connect(): ConnectInstructions | undefined {
    const connect = this.details.connect as Partial<ConnectInstructions> | undefined;
    return connect && typeof connect.method === 'string' && typeof connect.path === 'string'
      ? { method: connect.method, path: connect.path, body: (connect.body as Record<string, unknown> | undefined) ?? {} }
      : undefined;
  }
}

/** 429 `RATE_LIMITED`: too many requests for this key; wait `retryAfterSeconds` before the next one. */
export class SwitchboardRateLimitError extends SwitchboardApiError {
  override readonly name = 'SwitchboardRateLimitError';
  readonly retryAfterSeconds: number | undefined;
  constructor(init: ApiErrorInit) {
    super(init);
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** The request never got an answer: the server is unreachable (wrong URL, not running, DNS, TLS). */
export class SwitchboardNetworkError extends Error {
  override readonly name: string = 'SwitchboardNetworkError';
  /** The base URL the client was configured with. */
  readonly baseUrl: string;
  /** `METHOD /path` of the request. */
  readonly request: string;

  constructor(message: string, baseUrl: string, request: string, options?: { cause?: unknown }) {
    super(message, options);
    this.baseUrl = baseUrl;
    this.request = request;
  }
}

/** The server did not answer within the client's `timeoutMs` (the request may still complete on the server). */
export class SwitchboardTimeoutError extends SwitchboardNetworkError {
  override readonly name = 'SwitchboardTimeoutError';
  readonly timeoutMs: number;

  constructor(message: string, baseUrl: string, request: string, timeoutMs: number) {
    super(message, baseUrl, request);
    this.timeoutMs = timeoutMs;
  }
}

const subclassByCode: Record<string, new (init: ApiErrorInit) => SwitchboardApiError> = {
  VALIDATION_FAILED: SwitchboardValidationError,
  INVALID_JSON: SwitchboardValidationError,
  UNAUTHENTICATED: SwitchboardAuthenticationError,
  FORBIDDEN: SwitchboardPermissionError,
  OUTBOUND_BLOCKED: SwitchboardPermissionError,
  NOT_FOUND: SwitchboardNotFoundError,
  TOOL_NOT_FOUND: SwitchboardNotFoundError,
  TOOLKIT_NOT_FOUND: SwitchboardNotFoundError,
  ROUTE_NOT_FOUND: SwitchboardNotFoundError,
  CONFLICT: SwitchboardConflictError,
  NOT_CONNECTED: SwitchboardNotConnectedError,
  RATE_LIMITED: SwitchboardRateLimitError,
};

/** The error class for a server error: the code decides; an unknown code falls back on the status. */
export function apiError(init: ApiErrorInit): SwitchboardApiError {
  const byStatus: Record<number, string> = { 400: 'VALIDATION_FAILED', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 429: 'RATE_LIMITED' };
  const Subclass = subclassByCode[init.code] ?? subclassByCode[byStatus[init.status] ?? ''] ?? SwitchboardApiError;
  return new Subclass(init);
}
