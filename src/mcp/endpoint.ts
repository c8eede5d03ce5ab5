import { createMcpHandler, isLegacyRequest, type ServerEventBus } from '@modelcontextprotocol/server';
import type { Router, SessionContext } from '../router/index.js';
import type { TenancyService } from '../tenancy/index.js';
import { answerDirectly, directRequest } from './fast-path.js';
import { authorizedContext, type McpHttpRequest } from './request-auth.js';
import { createSessionServer, sessionToolHandlers } from './server.js';
import { refusedMessageText, refusedRequestText } from './text-hygiene.js';
import type { TransportSessionRow, TransportSessionStore } from './transport-sessions.js';

export interface McpEndpointOptions {
  router: Router;
  /** Carries tools/list_changed to 2026-era listen streams on every instance; in-process when absent. */
  bus?: ServerEventBus;
  tenancy: TenancyService;
  transportSessions: TransportSessionStore;
  publicUrl: () => string;
  onerror?: (error: Error) => void;
  /** Seconds between checks for a changed tool set on an open 2025-era GET stream. */
  changePollSeconds?: number;
  keepAliveSeconds?: number;
}

const jsonHeaders = { 'content-type': 'application/json' };

/** The parsed body, or undefined when there is none or it is not JSON (the SDK answers that). */
function parsedBody(body: string | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function firstMessage(parsed: unknown): { method?: string; params?: Record<string, unknown> } | undefined {
  const message = Array.isArray(parsed) ? parsed[0] : parsed;
  return message && typeof message === 'object' ? (message as { method?: string; params?: Record<string, unknown> }) : undefined;
}

const sessionNotFound = () =>
  new Response(
    JSON.stringify({
      jsonrpc: '2.0',
      error: { code: -32001, message: 'Session not found: initialize a new MCP session.', data: { code: 'NOT_FOUND' } },
      id: null,
    }),
    {
      status: 404,
      headers: jsonHeaders,
    },
  );

/** What a 2025-era client may send before it has a session id (a ping reveals nothing). */
const sessionless = new Set(['initialize', 'ping']);

const sessionRequired = () =>
  new Response(
    JSON.stringify({
      jsonrpc: '2.0',
      error: {
        code: -32600,
        message: 'Bad Request: send the Mcp-Session-Id header that initialize returned, or initialize a new MCP session.',
        data: { code: 'VALIDATION_FAILED', field: 'mcp-session-id' },
      },
      id: null,
    }),
    { status: 400, headers: jsonHeaders },
  );

/**
 * The MCP endpoints of Switchboard over Streamable HTTP: a session URL (`/mcp/trs_…`) and the
 * universal `/mcp`, where the key alone selects the project and user. Both protocol eras are served
 * by the SDK's per-request handler (2026-07-28 natively, 2025-era statelessly); 2025-era
 * `Mcp-Session-Id` sessions are kept in the database, so no request needs a particular instance.
 */
export function createMcpEndpoint(options: McpEndpointOptions) {
  const { router, transportSessions } = options;
  const handler = createMcpHandler(
    (ctx) => {
      const context = ctx.authInfo?.extra?.context as SessionContext | undefined;
      if (!context) throw new Error('An MCP request reached the server factory without a session context.');
      return createSessionServer(router, context);
    },
    { legacy: 'stateless', ...(options.bus ? { bus: options.bus } : {}), ...(options.onerror ? { onerror: options.onerror } : {}) },
  );
  const changePollMs = (options.changePollSeconds ?? 2) * 1000;
  const keepAliveMs = (options.keepAliveSeconds ?? 15) * 1000;

  /** A 2025-era GET stream: keep-alives, and `notifications/tools/list_changed` when the session's policy changes. */
  function notificationStream(context: SessionContext, transportId: string, signal: AbortSignal | undefined): Response {
    const encoder = new TextEncoder();
    let timers: NodeJS.Timeout[] = [];
    let unwatch = () => {};
    const stop = () => {
      for (const timer of timers) clearInterval(timer);
      timers = [];
      unwatch();
    };
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let version = context.session.version;
        const write = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
          }
        };
        write(': switchboard notification stream\n\n');
        // A DELETE of the session (through any instance) ends its stream.
        unwatch = transportSessions.watchEnd(transportId, () => {
          stop();
          try {
            controller.close();
          } catch {}
        });
        timers.push(setInterval(() => write(': keep-alive\n\n'), keepAliveMs));
        if (context.session.id !== 'universal') {
          timers.push(
            setInterval(async () => {
              try {
                const current = await router.open(context.principal, context.session.id);
                if (current.session.version !== version) {
                  version = current.session.version;
                  write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`);
                }
              } catch {
                stop();
                controller.close();
              }
            }, changePollMs),
          );
        }
        signal?.addEventListener('abort', () => {
          stop();
          try {
            controller.close();
          } catch {}
        });
      },
      cancel: stop,
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' } });
  }

  function sameSession(row: TransportSessionRow, context: SessionContext): boolean {
    const routerSessionId = context.session.id === 'universal' ? null : context.session.id;
    return row.projectId === context.session.projectId && row.routerSessionId === routerSessionId && row.userId === context.session.userId;
  }

  return {
    /** Serves one HTTP request to `/mcp/{sessionId}` (or `/mcp` when `sessionId` is undefined). */
    async handle(request: McpHttpRequest, sessionId: string | undefined): Promise<Response> {
      // Built only for the SDK: the direct answers and refusals below need none.
      const webRequest = () =>
        new Request(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD' ? { body: request.body } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        });
      const refusedText = refusedRequestText(request, sessionId);
      if (refusedText) return refusedText;
      const context = await authorizedContext(options, request, sessionId);
      if (context instanceof Response) return context;

      const transportId = request.headers.get('mcp-session-id');
      const transport = transportId ? await transportSessions.find(transportId) : undefined;
      if (transportId && (!transport || !sameSession(transport, context))) return sessionNotFound();
      if (request.method === 'DELETE') {
        if (!transportId) return new Response(null, { status: 405, headers: { allow: 'GET, POST' } });
        await transportSessions.remove(transportId);
        return new Response(null, { status: 200 });
      }
      if (request.method === 'GET') {
        if (!transportId || !(request.headers.get('accept') ?? '').includes('text/event-stream')) {
          return new Response(null, { status: 405, headers: { allow: 'POST, DELETE' } });
        }
        return notificationStream(context, transportId, request.signal);
      }

      const parsed = parsedBody(request.body);
      const refusedMessage = refusedMessageText(parsed);
      if (refusedMessage) return refusedMessage;
      const message = firstMessage(parsed);
      // 2025-era clients get an Mcp-Session-Id at initialize and must send it afterwards: without
      // this, a DELETE would end the id but not the access. 2026-07-28 requests carry no session.
      if (!transportId && message?.method && !sessionless.has(message.method) && (await isLegacyRequest(webRequest(), parsed))) return sessionRequired();
      const direct = transport ? directRequest(parsed, request.headers) : undefined;
      if (direct) {
        const handlers = sessionToolHandlers(router, context);
        const run = direct.method === 'tools/list' ? () => handlers.listTools() : () => handlers.callTool(direct.params, request.signal);
        return answerDirectly(direct, run, options.onerror);
      }
      const response = await handler.fetch(webRequest(), {
        parsedBody: parsed,
        authInfo: { token: '', clientId: context.principal.keyId ?? 'session-token', scopes: [...context.principal.scopes], extra: { context } },
      });
      if (message?.method !== 'initialize' || !response.ok) return response;
      const id = await transportSessions.create({
        projectId: context.session.projectId,
        routerSessionId: context.session.id === 'universal' ? null : context.session.id,
        userId: context.session.userId,
        protocolVersion: String(message.params?.protocolVersion ?? 'unknown'),
        clientInfo: message.params?.clientInfo ?? null,
      });
      const headers = new Headers(response.headers);
      headers.set('mcp-session-id', id);
      return new Response(response.body, { status: response.status, headers });
    },

    /** Tells open 2026-era subscription streams on this instance that tool lists changed. */
    toolsChanged: () => handler.notify.toolsChanged(),
    close: () => handler.close(),
  };
}

export type McpEndpoint = ReturnType<typeof createMcpEndpoint>;
