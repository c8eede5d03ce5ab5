/**
 * A scripted failure for the next `times` requests (default 1) of an emulator, for testing a
 * client's retries and timeouts: `status` (with `body`/`headers`) replaces the answer, `delayMs`
 * answers late (or hangs), `garbage` answers a non-JSON body labelled `application/json`.
 */
export interface Fault {
  status?: number;
  /** How many requests in a row get this fault (default 1). */
  times?: number;
  /** Body of the forced answer (a string is sent as is); each emulator has its own default error body. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** `true` for a default text, or the text to send. */
  garbage?: boolean | string;
}

/** Faults queued by a test, taken one per request in order. */
export class FaultQueue {
  private readonly queue: { fault: Fault; remaining: number }[] = [];

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('Fault times must be a positive integer');
    if (fault.status === undefined && fault.delayMs === undefined && !fault.garbage) throw new Error('A fault needs a status, a delayMs or garbage');
    this.queue.push({ fault, remaining: times });
  }

  /** The fault for the request being handled, if any. */
  take(): Fault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining === 0) this.queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.reduce((sum, entry) => sum + entry.remaining, 0);
  }
}
