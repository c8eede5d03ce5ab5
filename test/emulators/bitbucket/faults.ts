/**
 * A failure the next requests get instead of their normal answer, for testing a client's retries and timeouts.
 * With `status`, that status is returned (after `delayMs`, if given); with only `delayMs`, the request is
 * answered normally but late.
 */
export interface Fault {
  status?: number;
  /** How many requests in a row get this fault (default 1). */
  times?: number;
  /** JSON body (or a string sent as is); defaults to the error body with a message for the status. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Answer with a body that is not JSON although it claims to be (`true` for a default, or the text to send). */
  garbage?: boolean | string;
}

export class FaultQueue {
  private readonly pending: { fault: Fault; remaining: number }[] = [];

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('Fault times must be a positive integer');
    if (fault.status === undefined && fault.delayMs === undefined && !fault.garbage) throw new Error('A fault needs a status, a delayMs or garbage');
    this.pending.push({ fault, remaining: times });
  }

  /** The fault for the request being handled, if any. */
  take(): Fault | undefined {
    const head = this.pending[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining === 0) this.pending.shift();
    return head.fault;
  }

  clear(): void {
    this.pending.length = 0;
  }
}
