import { type JSONRPCMessage, parseJSONRPCMessage } from '@modelcontextprotocol/server';
import type { Vault } from '../auth/index.js';
import type { Database, NotificationChannel } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import type { Router, SessionContext } from '../router/index.js';
import type { TenancyService } from '../tenancy/index.js';
import { authorizedContext, type McpHttpRequest, presentedKey, rejectedHostOrOrigin } from './request-auth.js';
import { createSessionServer, jsonRpcErrorResponse } from './server.js';
import { createSseDispatcher } from './sse-dispatch.js';
import { createSseHub, type SseHub } from './sse-hub.js';
import { createSseStore, type SseSessionRecord } from './sse-store.js';
import { refusedRequestText, unstorableParamsError } from './text-hygiene.js';

export interface LegacySseOptions {
  router: Router;
  tenancy: TenancyService;
  db: Database;
  /** Queued messages are encrypted under a key derived from the master key. */
  vault: Vault;
  notifications: NotificationChannel;
  publicUrl: () => string;
  onerror?: (error: Error) => void;
  /** Seconds between keep-alive comments (and refreshes of the stream's record). */
  keepAliveSeconds?: number;
  /** Seconds between checks for a changed tool set (`notifications/tools/list_changed`). */
  changePollSeconds?: number;
  /** Seconds between looks for queued messages without a notification (PostgreSQL). */
  pollSeconds?: number;
}

const sseHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

function jsonRpcResponse(status: number, body: object): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function jsonRpcError(status: number, code: number, switchboardCode: string, message: string): Response {
  return jsonRpcResponse(status, { jsonrpc: '2.0', error: { code, message, data: { code: switchboardCode } }, id: null });
}

const streamNotFound = (basePath: string) =>
  jsonRpcError(
    404,
    -32001,
    'NOT_FOUND',
    `SSE session not found: it was closed or never existed. Open a new stream with GET ${basePath}/sse and post to the URL of its "endpoint" event.`,
  );

/** The messages of a POST body, or the JSON-RPC error response that refuses it. */
function parseMessages(body: string | undefined): JSONRPCMessage[] | Response {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return jsonRpcError(400, -32700, 'INVALID_JSON', 'Parse error: the body is not valid JSON. Send one JSON-RPC message (or a batch array) as JSON.');
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) return jsonRpcError(400, -32600, 'VALIDATION_FAILED', 'Invalid request: the batch is empty.');
  const messages: JSONRPCMessage[] = [];
  for (const item of list) {
    try {
      messages.push(parseJSONRPCMessage(item));
    } catch {
      return jsonRpcError(
        400,
        -32600,
        'VALIDATION_FAILED',
        'Invalid request: expected a JSON-RPC 2.0 message with "jsonrpc": "2.0" and a "method", or a response.',
      );
    }
  }
  return messages;
}

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05) at `GET /mcp/{session}/sse` (and `/sse`):
 * the stream's first event names the URL to POST messages to, POSTs answer `202 Accepted`, and
 * responses travel on the stream. A POST may reach any instance: that instance serves it with a
 * fresh session server and delivers the answers to the instance holding the stream (see sse-hub).
 */
export function createLegacySseTransport(options: LegacySseOptions) {
  const onerror = options.onerror ?? (() => {});
  const keepAliveMs = (options.keepAliveSeconds ?? 15) * 1000;
  const changePollMs = (options.changePollSeconds ?? 2) * 1000;
  const staleAfterMs = Math.max(60_000, keepAliveMs * 4);
  const store = createSseStore(options.db, options.vault);
  const hub: SseHub = createSseHub({
    store,
    notifications: options.notifications,
    heartbeatMs: keepAliveMs,
    staleAfterMs,
    pollMs: (options.pollSeconds ?? 5) * 1000,
    onerror,
  });
  const dispatcher = createSseDispatcher(onerror);
  const basePathOf = (sessionId: string | undefined) => (sessionId ? `/mcp/${sessionId}` : '');

  function sameSession(record: SseSessionRecord, context: SessionContext): boolean {
    const routerSessionId = context.session.id === 'universal' ? null : context.session.id;
    return record.projectId === context.session.projectId && record.routerSessionId === routerSessionId && record.userId === context.session.userId;
  }

  /** The URL of the `endpoint` event: relative, so it resolves against whatever host the client reached. */
  function messagesUrl(request: McpHttpRequest, sessionId: string | undefined, streamId: string): string {
    const query = new URLSearchParams({ sessionId: streamId });
    // A client that authenticated with the session's URL token has no headers to send: the POSTs carry it too.
    const token = request.url.searchParams.get('token');
    if (sessionId && token && !presentedKey(request.headers)) query.set('token', token);
    return `${basePathOf(sessionId)}/messages?${query}`;
  }

  /** Tells the client when the session's tool set changes (as 2025-era streams do); ends the stream when the session is gone. */
  function watchToolChanges(context: SessionContext, send: (json: string) => void, end: () => void): NodeJS.Timeout | undefined {
    if (context.session.id === 'universal') return undefined;
    let version = context.session.version;
    const timer = setInterval(() => {
      options.router.open(context.principal, context.session.id).then(
        (current) => {
          if (current.session.version === version) return;
          version = current.session.version;
          send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }));
        },
        () => end(),
      );
    }, changePollMs);
    timer.unref();
    return timer;
  }

  function eventStream(request: McpHttpRequest, sessionId: string | undefined, streamId: string, context: SessionContext): Response {
    const encoder = new TextEncoder();
    let ended = false;
    let changes: NodeJS.Timeout | undefined;
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    const write = (text: string) => {
      if (ended) return;
      try {
        controller?.enqueue(encoder.encode(text));
      } catch {
        end();
      }
    };
    const send = (json: string) => write(`event: message\ndata: ${json}\n\n`);
    function end() {
      if (ended) return;
      ended = true;
      clearInterval(changes);
      hub.unregister(streamId);
      try {
        controller?.close();
      } catch {}
    }
    const stream = new ReadableStream<Uint8Array>({
      start(opened) {
        controller = opened;
        write(`event: endpoint\ndata: ${messagesUrl(request, sessionId, streamId)}\n\n`);
        hub.register(streamId, { send, comment: (text) => write(`: ${text}\n\n`), end });
        changes = watchToolChanges(context, send, end);
        if (request.signal?.aborted) end();
        request.signal?.addEventListener('abort', end, { once: true });
      },
      cancel: end,
    });
    return new Response(stream, { status: 200, headers: sseHeaders });
  }

  return {
    /** `GET /mcp/{sessionId}/sse` (or `/sse` when `sessionId` is undefined): opens a stream. */
    async openStream(request: McpHttpRequest, sessionId: string | undefined): Promise<Response> {
      const refusedText = refusedRequestText(request, sessionId);
      if (refusedText) return refusedText;
      const context = await authorizedContext(options, request, sessionId);
      if (context instanceof Response) return context;
      try {
        await hub.start();
      } catch (error) {
        onerror(error as Error);
        return jsonRpcErrorResponse(
          new SwitchboardError('SERVICE_UNAVAILABLE', 'SSE streams are unavailable: the database does not deliver notifications. Retry shortly.'),
        );
      }
      const streamId = await store.create({
        projectId: context.session.projectId,
        routerSessionId: context.session.id === 'universal' ? null : context.session.id,
        userId: context.session.userId,
        instanceId: hub.instanceId,
      });
      return eventStream(request, sessionId, streamId, context);
    },

    /** `POST /mcp/{sessionId}/messages?sessionId=…` (or `/messages?sessionId=…`): accepts a message for a stream. */
    async postMessage(request: McpHttpRequest, sessionId: string | undefined): Promise<Response> {
      const rejected = rejectedHostOrOrigin(request, options.publicUrl());
      if (rejected) return rejected;
      const streamId = request.url.searchParams.get('sessionId');
      if (!streamId) {
        return jsonRpcError(
          400,
          -32602,
          'VALIDATION_FAILED',
          `Missing sessionId: POST to the URL of the "endpoint" event of a stream opened with GET ${basePathOf(sessionId)}/sse.`,
        );
      }
      const refusedText = refusedRequestText(request, sessionId);
      if (refusedText) return refusedText;
      const context = await authorizedContext(options, request, sessionId);
      if (context instanceof Response) return context;
      const record = await store.find(streamId, staleAfterMs);
      if (!record || !sameSession(record, context) || !hub.reachable(record)) {
        if (record && sameSession(record, context)) await store.remove([record.id]);
        return streamNotFound(basePathOf(sessionId));
      }
      const contentType = request.headers.get('content-type') ?? '';
      if (!/^application\/json\b/i.test(contentType.trim())) {
        return jsonRpcError(415, -32600, 'UNSUPPORTED_MEDIA_TYPE', 'Send the JSON-RPC message with "content-type: application/json".');
      }
      const messages = parseMessages(request.body);
      if (messages instanceof Response) return messages;
      const refusals = messages.map(unstorableParamsError);
      if (refusals.some((refusal) => refusal?.id === null)) return jsonRpcResponse(400, { ...refusals.find((refusal) => refusal?.id === null)! });
      // A request whose params cannot be stored gets its error on the stream, like any answer; the others run.
      for (const refusal of refusals) if (refusal) hub.deliver(record, JSON.stringify(refusal)).catch((error: unknown) => onerror(error as Error));
      const accepted = messages.filter((_message, index) => !refusals[index]);
      if (accepted.length > 0) {
        dispatcher.dispatch(record.id, createSessionServer(options.router, context), accepted, (message) => hub.deliver(record, JSON.stringify(message)));
      }
      return new Response('Accepted', { status: 202, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    },

    /** Ends this instance's streams and waits for the messages it is serving. */
    async close(): Promise<void> {
      await dispatcher.close();
      await hub.close();
    },
  };
}

export type LegacySseTransport = ReturnType<typeof createLegacySseTransport>;
