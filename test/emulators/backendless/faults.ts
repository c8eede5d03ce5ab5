import type { Fault } from '../fault-queue.js';
import type { Reply } from './http.js';

export { type Fault as FaultSpec, FaultQueue } from '../fault-queue.js';

const GARBAGE = '<html><body><h1>502 Bad Gateway</h1></body></html>{"code":';

/** The reply a fault forces, or undefined when it only delays. */
export function faultReply(spec: Fault): Reply | undefined {
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
