/** The `error` schema of the Bitbucket OpenAPI description: `{ type: "error", error: { message, detail?, data? } }`. */
export interface BitbucketErrorBody {
  type: 'error';
  error: { message: string; detail?: string; data?: Record<string, unknown> };
}

/** Thrown by route handlers; the server turns it into the documented error body and status. */
export class BitbucketApiError extends Error {
  override readonly name = 'BitbucketApiError';

  constructor(
    readonly status: number,
    message: string,
    readonly options: { detail?: string; data?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  toBody(): BitbucketErrorBody {
    return errorBody(this.message, this.options.detail, this.options.data);
  }
}

export function errorBody(message: string, detail?: string, data?: Record<string, unknown>): BitbucketErrorBody {
  return { type: 'error', error: { message, ...(detail === undefined ? {} : { detail }), ...(data === undefined ? {} : { data }) } };
}

/** 400 for an invalid request document; `field` names the offending property the way Bitbucket's form errors do. */
export function badRequest(message: string, field?: string): BitbucketApiError {
  return new BitbucketApiError(400, field ? `${field}: ${message}` : message, field ? { data: { fields: { [field]: [message] } } } : {});
}

export function notFound(message: string): BitbucketApiError {
  return new BitbucketApiError(404, message);
}

export function forbidden(message: string): BitbucketApiError {
  return new BitbucketApiError(403, message);
}

/** Default messages for statuses a fault can inject without a body of its own. */
export function defaultMessageFor(status: number): string {
  const messages: Record<number, string> = {
    400: 'Bad request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Resource not found',
    409: 'Conflict',
    429: 'Rate limit for this resource has been exceeded',
    500: 'Something went wrong',
    502: 'Bad gateway',
    503: 'Service unavailable',
    504: 'Gateway timeout',
  };
  return messages[status] ?? `HTTP ${status}`;
}
