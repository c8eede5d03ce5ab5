import { SwitchboardError } from '../../errors.js';

/**
 * The error envelope Composio's SDKs parse (`{error: {message, code, slug, status, …}}`): their
 * own exception types then carry Switchboard's message. `slug` is Switchboard's error code. The
 * message is also at the top level, where the TypeScript SDK's error class looks for it.
 */
export function composioErrorBody(error: SwitchboardError, requestId: string) {
  return {
    message: error.message,
    error: {
      message: error.message,
      code: error.status,
      slug: error.code,
      status: error.status,
      request_id: requestId,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

/** A part of Composio's API that Switchboard does not serve: said plainly, never answered with a fake. */
export function notServed(method: string, path: string): SwitchboardError {
  return new SwitchboardError(
    'NOT_IMPLEMENTED',
    `Switchboard does not serve ${method} ${path} of the Composio API. The README section "Coming from Composio" lists what is covered.`,
    { method, path },
  );
}

/** A request option Switchboard cannot honour: refused, so nothing is created that behaves differently than asked. */
export function unsupportedOption(option: string, why: string): SwitchboardError {
  return new SwitchboardError('VALIDATION_FAILED', `The option ${option} is not supported by Switchboard: ${why}`, { option });
}
