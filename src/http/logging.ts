import type { FastifyServerOptions } from 'fastify';

const secretParameter = /([?&](?:token|access_token|refresh_token|api_key|apikey|key|secret|client_secret|code|password|state|link_token)=)[^&#]*/gi;

/** Connect-link tokens are capabilities in the path of the connect page. */
const linkTokenInPath = /\/connect\/lt_[A-Za-z0-9_-]+/g;

/** Query-string secrets (OAuth codes and state) and connect-link tokens never reach a log line. */
export function redactUrl(url: string): string {
  return url.replace(secretParameter, '$1[redacted]').replace(linkTokenInPath, '/connect/lt_[redacted]');
}

/** Headers and body fields that may carry credentials; pino replaces them before writing. */
export const redactedLogPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.key',
  '*.api_key',
  '*.apiKey',
  '*.password',
  '*.secret',
  '*.client_secret',
  '*.access_token',
  '*.refresh_token',
  '*.masterKey',
  '*.previousMasterKeys',
];

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: redactedLogPaths, censor: '[redacted]' },
    serializers: {
      req(request: { method: string; url: string; ip?: string }) {
        return { method: request.method, url: redactUrl(request.url), remote: request.ip };
      },
    },
  };
}
