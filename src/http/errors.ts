import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ErrorBody, type ErrorCode, errorCodes, SwitchboardError } from '../errors.js';

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      request_id: z.string().optional(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error response has this body; `code` is stable, `message` is for people.' });

/** Response schemas for the error statuses any authenticated route can produce (503: the server is shutting down). */
export const standardErrorResponses = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  403: errorResponseSchema,
  404: errorResponseSchema,
  409: errorResponseSchema,
  413: errorResponseSchema,
  415: errorResponseSchema,
  429: errorResponseSchema,
  500: errorResponseSchema,
  503: errorResponseSchema,
} as const;

const fastifyCodeMap: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this server accepts (SWITCHBOARD_BODY_LIMIT).' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported Content-Type; send application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'INVALID_JSON',
    message: 'The body is empty but Content-Type says application/json; send a JSON value or drop the header.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'VALIDATION_FAILED', message: 'Content-Length does not match the body sent.' },
  FST_ERR_CTP_INVALID_CONTENT_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The Content-Type header is malformed.' },
  FST_ERR_BAD_URL: { code: 'VALIDATION_FAILED', message: 'The request URL is malformed.' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'VALIDATION_FAILED', message: 'The request could not be routed.' },
};

const statusFallback: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

interface ValidationIssue {
  path?: unknown;
  instancePath?: string;
  message?: string;
  params?: { issue?: { path?: PropertyKey[] } };
}

function describeValidation(error: FastifyError & { validation: ValidationIssue[]; validationContext?: string }): SwitchboardError {
  const where = error.validationContext ?? 'body';
  const issues = (error.validation as ValidationIssue[]).map((issue) => {
    const zodPath = (issue.params as ValidationIssue['params'])?.issue?.path;
    const path: readonly PropertyKey[] = zodPath ?? (issue.instancePath ? issue.instancePath.split('/').filter(Boolean) : []);
    return { field: [where, ...path.map(String)].join('.'), message: issue.message ?? 'invalid' };
  });
  const first = issues[0];
  const summary = first ? `${first.field}: ${first.message}` : `invalid ${where}`;
  return new SwitchboardError('VALIDATION_FAILED', `Invalid request ${summary}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}.`, {
    issues,
  });
}

/** Maps anything thrown while serving a request to the one public error shape. */
export function toSwitchboardError(error: unknown): SwitchboardError {
  if (error instanceof SwitchboardError) return error;
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[] };
  if (hasZodFastifySchemaValidationErrors(error) || Array.isArray(fastifyError.validation)) {
    return describeValidation(fastifyError as FastifyError & { validation: ValidationIssue[] });
  }
  if (isResponseSerializationError(error)) return new SwitchboardError('INTERNAL', 'The server produced a response it could not serialise.');
  const known = fastifyError.code ? fastifyCodeMap[fastifyError.code] : undefined;
  if (known) return new SwitchboardError(known.code, known.message);
  const status = fastifyError.statusCode ?? 500;
  if (status === 400 && error instanceof SyntaxError) return new SwitchboardError('INVALID_JSON', `The request body is not valid JSON: ${error.message}`);
  const code = statusFallback[status];
  if (code) return new SwitchboardError(code, fastifyError.message || code);
  return new SwitchboardError('INTERNAL', 'An internal error occurred; the request id identifies it in the server log.');
}

export function errorBody(error: SwitchboardError, requestId: string): ErrorBody {
  return {
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}), request_id: requestId },
  };
}
