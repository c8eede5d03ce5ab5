/**
 * The one catalogue of error codes Switchboard puts on the wire. Every module throws
 * `SwitchboardError(code, message, details)`; each adapter (HTTP, MCP, compat) maps it once.
 */
export const errorCatalogue = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  OUTBOUND_BLOCKED: 403,
  NOT_FOUND: 404,
  TOOL_NOT_FOUND: 404,
  TOOLKIT_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  NOT_CONNECTED: 409,
  LINK_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UPSTREAM_RATE_LIMITED: 429,
  INTERNAL: 500,
  UPSTREAM_ERROR: 502,
  UPSTREAM_INVALID_RESPONSE: 502,
  OAUTH_FAILED: 502,
  NOT_IMPLEMENTED: 501,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorCodes = Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]];

export type ErrorDetails = Record<string, unknown>;

export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorCatalogue[this.code];
  }
}

/** The `{error:{code,message,details}}` body every HTTP error response carries. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetails; request_id?: string };
}

export function isSwitchboardError(value: unknown): value is SwitchboardError {
  return value instanceof SwitchboardError;
}

/**
 * Errors that never leave the process: configuration and start-up problems, reported on the
 * terminal with a message that says what to change.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
