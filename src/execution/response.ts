import type { ResponseMapping } from '../catalog/index.js';
import { type ErrorCode, SwitchboardError } from '../errors.js';
import type { UpstreamResponse } from './http-call.js';
import { renderTemplate } from './template.js';

function isJsonType(contentType: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType) || /\/json\b/i.test(contentType);
}

function isTextType(contentType: string): boolean {
  return /^text\//i.test(contentType) || /\b(xml|javascript|yaml|csv|x-www-form-urlencoded)\b/i.test(contentType);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Turns a response body into a JSON value: parsed JSON, text, or base64 for binary content. */
export function decodeBody(response: UpstreamResponse, binary: 'text' | 'base64', host: string): unknown {
  if (response.body.length === 0) return null;
  const contentType = response.headers['content-type'] ?? '';
  const text = () => {
    try {
      return utf8.decode(response.body);
    } catch {
      return undefined;
    }
  };
  if (isJsonType(contentType)) {
    try {
      return JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new SwitchboardError('UPSTREAM_INVALID_RESPONSE', `${host} sent a body marked as JSON that does not parse.`, {
        host,
        status: response.status,
        body_preview: response.body.subarray(0, 200).toString('utf8'),
      });
    }
  }
  if (binary === 'base64' && !isTextType(contentType)) {
    return { content_type: contentType || 'application/octet-stream', encoding: 'base64', content: response.body.toString('base64') };
  }
  const decoded = text();
  if (decoded !== undefined) return decoded;
  return { content_type: contentType || 'application/octet-stream', encoding: 'base64', content: response.body.toString('base64') };
}

/** The message an upstream put in its error body, for the common shapes (Bitbucket, Backendless, OAuth, generic). */
export function upstreamErrorMessage(body: unknown): { message?: string; code?: string | number } {
  if (typeof body === 'string') return body.trim() ? { message: body.trim().slice(0, 500) } : {};
  if (!body || typeof body !== 'object') return {};
  const record = body as Record<string, unknown>;
  const nested = record.error;
  if (nested && typeof nested === 'object') {
    const inner = nested as Record<string, unknown>;
    const message = [inner.message, inner.detail].filter((part) => typeof part === 'string' && part).join(': ');
    return { ...(message ? { message } : {}), ...(inner.code !== undefined ? { code: inner.code as string | number } : {}) };
  }
  const message = [record.message, record.error_description, typeof nested === 'string' ? nested : undefined, record.detail, record.title].find(
    (part) => typeof part === 'string' && part,
  ) as string | undefined;
  const code = (record.code ?? record.error_code ?? (typeof nested === 'string' ? nested : undefined)) as string | number | undefined;
  return { ...(message ? { message } : {}), ...(code !== undefined ? { code } : {}) };
}

function codeForStatus(status: number): ErrorCode {
  if (status === 429) return 'UPSTREAM_RATE_LIMITED';
  if (status >= 500) return 'UPSTREAM_UNAVAILABLE';
  return 'UPSTREAM_ERROR';
}

/** A non-2xx upstream answer as a typed error that keeps the upstream's own message and code. */
export function upstreamError(response: UpstreamResponse, body: unknown, host: string): SwitchboardError {
  const { message, code } = upstreamErrorMessage(body);
  const text = `${host} answered ${response.status}${message ? `: ${message}` : ''}`;
  return new SwitchboardError(codeForStatus(response.status), text, {
    status: response.status,
    ...(code !== undefined ? { upstream_code: code } : {}),
    ...(message ? { upstream_message: message } : {}),
    ...(response.headers['retry-after'] ? { retry_after: response.headers['retry-after'] } : {}),
    attempts: response.attempts,
  });
}

/**
 * A 3xx that reached the executor (one the outbound client could not follow: no Location, or not
 * a redirect status it follows, such as 300 or 304) is not the tool's answer: it fails, naming the
 * status and where it pointed, so that the toolkit's or the account's base URL can be corrected.
 */
export function upstreamRedirect(response: UpstreamResponse, requestUrl: URL): SwitchboardError {
  const location = response.headers.location;
  let target: string | undefined;
  try {
    target = location ? new URL(location, requestUrl).host : undefined;
  } catch {
    target = undefined;
  }
  const where = target ? ` to ${target}` : location ? ' to an unreadable Location' : ' without a Location';
  return new SwitchboardError(
    'UPSTREAM_ERROR',
    `${requestUrl.host} answered ${response.status}, a redirect${where} that could not be followed. Check the base URL of the toolkit or the connected account.`,
    { status: response.status, ...(target ? { location_host: target } : {}), attempts: response.attempts },
  );
}

/** Shapes the decoded body into the tool's `data` with its output template. */
export function mapResponse(
  mapping: ResponseMapping,
  scope: { body: unknown; args: Record<string, unknown>; status: number; headers: Record<string, string>; size: number },
): unknown {
  if (mapping.output === undefined) return scope.body;
  return renderTemplate(mapping.output, scope as unknown as Record<string, unknown>) ?? null;
}
