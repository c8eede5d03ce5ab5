import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/client';

/** The side of a transport the bridge uses; both SDK packages' transports fit it. */
export interface BridgedTransport {
  start(): Promise<void>;
  send(message: JSONRPCMessage, options?: { requestSignal?: AbortSignal; onRequestStreamEnd?: () => void }): Promise<void>;
  close(): Promise<void>;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
}

/** The remote side: a Streamable HTTP client transport, which learns the protocol version from the bridge. */
export interface RemoteTransport extends BridgedTransport {
  setProtocolVersion?(version: string): void;
  terminateSession?(): Promise<void>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface BridgeOptions {
  /** Faces the MCP client (stdio). */
  local: BridgedTransport;
  /** Faces Switchboard (Streamable HTTP). */
  remote: RemoteTransport;
  /** The JSON-RPC error a client gets for a request Switchboard could not be asked. */
  errorFor(error: unknown): JsonRpcErrorObject;
  /** One diagnostic line (never to stdout: that is the protocol's). */
  log(line: string): void;
  /** How long closing waits for Switchboard to forget the MCP session. */
  terminateTimeoutMs?: number;
}

export interface Bridge {
  /** Resolves when either side has closed and the bridge has shut down. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

function cancelledRequestId(message: JSONRPCMessage): RequestId | undefined {
  if (!isJSONRPCNotification(message) || message.method !== 'notifications/cancelled') return undefined;
  const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof requestId === 'string' || typeof requestId === 'number' ? requestId : undefined;
}

/**
 * Relays JSON-RPC between an MCP client and a remote MCP server, message for message: requests,
 * responses, notifications and the server's own requests (sampling, elicitation, roots) pass
 * through unchanged, in both directions and for both protocol eras. It does what an SDK `Client`
 * would do for its transport — hand the negotiated protocol version to it, cancel a request's HTTP
 * stream when the client cancels the request — and answers a request itself only when Switchboard
 * could not: with a JSON-RPC error carrying Switchboard's own error when there is one.
 */
export async function startBridge({ local, remote, errorFor, log, terminateTimeoutMs = 2000 }: BridgeOptions): Promise<Bridge> {
  /** Requests forwarded and not answered yet, with the signal that ends their HTTP stream. */
  const inFlight = new Map<RequestId, AbortController>();
  const initializeIds = new Set<RequestId>();
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const toLocal = (message: JSONRPCMessage) => {
    local.send(message).catch((error: Error) => {
      if (!closing) log(`could not write to the MCP client: ${error.message}`);
    });
  };

  const answerWithError = (id: RequestId, error: JsonRpcErrorObject) => toLocal({ jsonrpc: '2.0', id, error });

  function forwardRequest(request: JSONRPCRequest): void {
    const controller = new AbortController();
    const pending = () => inFlight.get(request.id) === controller;
    inFlight.set(request.id, controller);
    if (request.method === 'initialize') initializeIds.add(request.id);
    remote
      .send(request, {
        requestSignal: controller.signal,
        // A response stream that ends without the response: the client must not wait forever.
        onRequestStreamEnd: () => {
          if (!pending() || controller.signal.aborted) return;
          inFlight.delete(request.id);
          answerWithError(request.id, { code: -32603, message: `Switchboard closed the stream of ${request.method} without answering it; try again.` });
        },
      })
      .catch((error: unknown) => {
        if (!pending() || controller.signal.aborted) return;
        inFlight.delete(request.id);
        answerWithError(request.id, errorFor(error));
      });
  }

  local.onmessage = (message) => {
    if (closing) return;
    if (isJSONRPCRequest(message)) return forwardRequest(message);
    remote.send(message).catch((error: unknown) => {
      if (!closing) log(`could not forward ${'method' in message ? message.method : 'a response'} to Switchboard: ${errorFor(error).message}`);
    });
    // Over HTTP a request's stream is its lifeline (2026-era cancellation is closing it); end it too.
    const cancelled = cancelledRequestId(message);
    if (cancelled !== undefined) {
      inFlight.get(cancelled)?.abort();
      inFlight.delete(cancelled);
    }
  };

  remote.onmessage = (message) => {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      const id = message.id;
      if (id !== undefined && id !== null) {
        inFlight.delete(id);
        const version = isJSONRPCResultResponse(message) ? (message.result as { protocolVersion?: unknown }).protocolVersion : undefined;
        if (initializeIds.delete(id) && typeof version === 'string') remote.setProtocolVersion?.(version);
      }
    }
    toLocal(message);
  };

  remote.onerror = (error) => {
    if (!closing) log(errorFor(error).message);
  };
  local.onerror = (error) => {
    if (!closing) log(`the MCP client sent something that is not JSON-RPC: ${error.message}`);
  };

  function close(): Promise<void> {
    closing ??= (async () => {
      for (const controller of inFlight.values()) controller.abort();
      inFlight.clear();
      // Let Switchboard forget the MCP session (2025-era); never hang the exit on it.
      await Promise.race([remote.terminateSession?.().catch(() => {}), new Promise((resolve) => setTimeout(resolve, terminateTimeoutMs).unref())]);
      await remote.close().catch(() => {});
      await local.close().catch(() => {});
      resolveClosed();
    })();
    return closing;
  }

  local.onclose = () => void close();
  remote.onclose = () => void close();
  await remote.start();
  await local.start();
  return { closed, close };
}
