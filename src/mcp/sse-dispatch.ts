import type { JSONRPCMessage, Server, Transport } from '@modelcontextprotocol/server';

type RequestId = string | number;

function isRequest(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId; method: string } {
  return 'method' in message && 'id' in message;
}

function isResponse(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } {
  return 'id' in message && ('result' in message || 'error' in message);
}

/** The request a `notifications/cancelled` names. */
function cancelledRequest(message: JSONRPCMessage): RequestId | undefined {
  if (!('method' in message) || message.method !== 'notifications/cancelled') return undefined;
  const id = message.params?.requestId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

const runningKey = (streamId: string, requestId: RequestId) => `${streamId}:${typeof requestId}:${requestId}`;

/**
 * A transport for one POST's messages into a fresh session server: what the server sends (its
 * responses and the notifications that accompany them) goes to `emit`, and `receive` resolves
 * when the server has answered the message, so the server can be closed after the last one.
 */
class RelayTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: Transport['onmessage'];
  private readonly waiting = new Map<RequestId, () => void>();

  constructor(private readonly emit: (message: JSONRPCMessage) => Promise<void>) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    try {
      await this.emit(message);
    } finally {
      if (isResponse(message)) {
        this.waiting.get(message.id)?.();
        this.waiting.delete(message.id);
      }
    }
  }

  receive(message: JSONRPCMessage): Promise<void> {
    if (!isRequest(message)) {
      this.onmessage?.(message);
      return new Promise((resolve) => setImmediate(resolve));
    }
    const answered = new Promise<void>((resolve) => this.waiting.set(message.id, resolve));
    this.onmessage?.(message);
    return answered;
  }

  /** Passes on a `notifications/cancelled`: the server aborts the request and sends no answer, so it counts as answered. */
  cancel(message: JSONRPCMessage, requestId: RequestId): Promise<void> {
    this.onmessage?.(message);
    this.waiting.get(requestId)?.();
    this.waiting.delete(requestId);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    for (const resolve of this.waiting.values()) resolve();
    this.waiting.clear();
    this.onclose?.();
  }
}

/**
 * Runs POSTed JSON-RPC messages for legacy SSE streams. Each POST gets a fresh session server
 * (like a stateless Streamable HTTP request), so any instance can serve it; what the server sends
 * goes to the stream through `deliver`. A `notifications/cancelled` reaches the request it names
 * when that request runs on this instance.
 */
export function createSseDispatcher(onerror: (error: Error) => void) {
  const running = new Map<string, RelayTransport>();
  const work = new Set<Promise<void>>();
  const servers = new Set<Server>();

  async function run(
    streamId: string,
    server: Server,
    messages: readonly JSONRPCMessage[],
    deliver: (message: JSONRPCMessage) => Promise<void>,
  ): Promise<void> {
    const transport = new RelayTransport(async (message) => {
      try {
        await deliver(message);
      } catch (error) {
        onerror(error as Error);
      }
    });
    servers.add(server);
    const keys: string[] = [];
    try {
      await server.connect(transport);
      await Promise.all(
        messages.map((message) => {
          const cancelledId = cancelledRequest(message);
          const target = cancelledId === undefined ? undefined : running.get(runningKey(streamId, cancelledId));
          if (target && cancelledId !== undefined) return target.cancel(message, cancelledId);
          if (isRequest(message)) {
            const key = runningKey(streamId, message.id);
            keys.push(key);
            running.set(key, transport);
          }
          return transport.receive(message);
        }),
      );
    } finally {
      for (const key of keys) if (running.get(key) === transport) running.delete(key);
      servers.delete(server);
      await server.close().catch(() => {});
    }
  }

  return {
    /** Starts serving `messages` in the background (the POST is answered 202 at once). */
    dispatch(streamId: string, server: Server, messages: readonly JSONRPCMessage[], deliver: (message: JSONRPCMessage) => Promise<void>): void {
      const task = run(streamId, server, messages, deliver).catch((error: unknown) => onerror(error as Error));
      work.add(task);
      void task.finally(() => work.delete(task));
    },

    /** Closes the servers still working (their requests are aborted) and waits for them. */
    async close(): Promise<void> {
      await Promise.all([...servers].map((server) => server.close().catch(() => {})));
      await Promise.all(work);
    },
  };
}

export type SseDispatcher = ReturnType<typeof createSseDispatcher>;
