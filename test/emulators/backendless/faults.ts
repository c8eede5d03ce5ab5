import type { Reply } from './http.js';

/**
 * A scripted failure for the next `times` requests (default 1), applied after the request is recorded:
 * - `delayMs` waits first (then answers normally unless `status`/`garbage` is given — a slow or hanging response);
 * - `garbage` answers `status` (default 200) with a non-JSON body labelled `application/json` (a string replaces the
 *   default `<html>…` text);
 * - otherwise `status` with `body` (default `{"code": status, "message": "Injected fault: HTTP <status>"}`; a string
 *   body is sent as text/plain) and `headers` (e.g. `{"retry-after": "2"}`).
 */
export interface FaultSpec {
  status?: number;
  times?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  garbage?: boolean | string;
}

export class FaultQueue {
  private readonly queue: Array<{ spec: FaultSpec; remaining: number }> = [];

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (times > 0) this.queue.push({ spec, remaining: times });
  }

  /** The fault for the current request, if any. */
  take(): FaultSpec | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) this.queue.shift();
    return head.spec;
  }

  clear(): void {
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.reduce((sum, entry) => sum + entry.remaining, 0);
  }
}

const GARBAGE = '<html><body><h1>502 Bad Gateway</h1></body></html>{"code":';

/** The reply a fault forces, or undefined when it only delays. */
export function faultReply(spec: FaultSpec): Reply | undefined {
  const headers = Object.fromEntries(Object.entries(spec.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  if (spec.garbage !== undefined && spec.garbage !== false) {
    const data = typeof spec.garbage === 'string' ? spec.garbage : GARBAGE;
    return { status: spec.status ?? 200, headers, raw: { contentType: 'application/json', data } };
  }
  if (spec.status === undefined) return undefined;
  const body = spec.body ?? { code: spec.status, message: `Injected fault: HTTP ${spec.status}` };
  if (typeof body === 'string') return { status: spec.status, headers, raw: { contentType: 'text/plain', data: body } };
  return { status: spec.status, headers, body };
}
