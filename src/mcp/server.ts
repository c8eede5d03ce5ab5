import { type CallToolResult, type ListToolsResult, ProtocolError, Server } from '@modelcontextprotocol/server';
import { type ErrorCode, SwitchboardError } from '../errors.js';
import type { Router, SessionContext } from '../router/index.js';
import { version } from '../version.js';

/** JSON-RPC codes for Switchboard errors; `data.code` always carries Switchboard's own code. */
const jsonRpcCodes: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: -32602,
  TOOL_NOT_FOUND: -32602,
  TOOLKIT_NOT_FOUND: -32602,
  NOT_FOUND: -32602,
  INVALID_JSON: -32700,
  UNAUTHENTICATED: -32001,
  FORBIDDEN: -32001,
};

/** A Switchboard error as JSON-RPC: a standard code where one fits (-32602, -32700), else -32603; `data.code` is Switchboard's. */
export function toJsonRpcError(error: SwitchboardError): { code: number; message: string; data: Record<string, unknown> } {
  return { code: jsonRpcCodes[error.code] ?? (error.status >= 500 ? -32603 : -32000), message: error.message, data: { code: error.code, ...error.details } };
}

function protocolError(error: unknown): Error {
  if (error instanceof SwitchboardError) {
    const mapped = toJsonRpcError(error);
    return new ProtocolError(mapped.code, mapped.message, mapped.data);
  }
  return error as Error;
}

interface SpecIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * The SDK checks a spec request's params against the protocol's schema before the handler runs,
 * but reports a mismatch (a `cursor` that is no string) as a plain Error whose message is the
 * schema library's issue list, which goes out as -32603 with that dump. It is the caller's
 * mistake: -32602, naming the field.
 */
function invalidParams(method: string, error: unknown): ProtocolError | undefined {
  if (!(error instanceof Error) || error instanceof ProtocolError || error instanceof SwitchboardError) return undefined;
  let issues: unknown;
  try {
    issues = JSON.parse(error.message);
  } catch {
    return undefined;
  }
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  const valid = issues.every((issue: Partial<SpecIssue>) => Array.isArray(issue?.path) && typeof issue.message === 'string');
  if (!valid) return undefined;
  const described = (issues as SpecIssue[]).map((issue) => ({ field: issue.path.map(String).join('.') || 'params', message: issue.message }));
  const first = described[0]!;
  const more = described.length > 1 ? ` (and ${described.length - 1} more)` : '';
  return new ProtocolError(-32602, `Invalid params for ${method}: ${first.field}: ${first.message}${more}.`, { code: 'VALIDATION_FAILED', issues: described });
}

/** A Server whose spec-schema rejections of request params are -32602 errors (see `invalidParams`). */
class SessionServer extends Server {
  protected override _wrapHandler(method: string, handler: Parameters<Server['_wrapHandler']>[1]): ReturnType<Server['_wrapHandler']> {
    const wrapped = super._wrapHandler(method, handler);
    return async (request, ctx) => {
      try {
        return await wrapped(request, ctx);
      } catch (error) {
        throw invalidParams(method, error) ?? error;
      }
    };
  }
}

export const serverInfo = { name: 'switchboard', title: 'Switchboard', version };

const instructions =
  'Switchboard routes your tool calls to the apps this user connected. Use search_tools to find tools for a task, manage_connections when an app is not connected (show the user the link), and multi_execute_tool to run tools.';

/** tools/call parameters as the protocol defines them (the SDK checks their shape first). */
export interface ToolCallParams {
  name: string;
  arguments?: Record<string, unknown> | undefined;
}

/**
 * What a session answers to tools/list and tools/call: the one implementation behind both the SDK
 * server and the endpoint's direct answers (see `fast-path.ts`). Errors are ProtocolErrors.
 */
export function sessionToolHandlers(router: Router, context: SessionContext) {
  return {
    async listTools(): Promise<ListToolsResult> {
      try {
        // Tool input schemas are JSON Schema objects (the catalog checks `type: object`).
        return { tools: (await router.listTools(context)) as ListToolsResult['tools'] };
      } catch (error) {
        throw protocolError(error);
      }
    },
    async callTool(params: ToolCallParams, signal?: AbortSignal): Promise<CallToolResult> {
      try {
        const outcome = await router.callTool(context, params.name, params.arguments ?? {}, signal);
        const structured =
          outcome.data && typeof outcome.data === 'object' && !Array.isArray(outcome.data) ? (outcome.data as Record<string, unknown>) : { data: outcome.data };
        return { content: [{ type: 'text', text: JSON.stringify(outcome.data) }], structuredContent: structured, isError: outcome.isError };
      } catch (error) {
        throw protocolError(error);
      }
    },
  };
}

/**
 * One MCP server instance for one request (or one stdio connection) through a session: its
 * tools are the router's for that session, so any instance of Switchboard can build it.
 */
export function createSessionServer(router: Router, context: SessionContext): Server {
  const server = new SessionServer(serverInfo, { capabilities: { tools: { listChanged: true }, logging: {} }, instructions });
  const handlers = sessionToolHandlers(router, context);
  server.setRequestHandler('tools/list', () => handlers.listTools());
  server.setRequestHandler('tools/call', (request, ctx) => handlers.callTool(request.params as ToolCallParams, ctx.mcpReq?.signal));
  return server;
}

const jsonHeaders = { 'content-type': 'application/json' };

/** A JSON-RPC error as the HTTP answer of an MCP endpoint (401 with a Bearer challenge, 404 for what is not there). */
export function jsonRpcErrorResponse(error: unknown): Response {
  const mapped = error instanceof SwitchboardError ? error : new SwitchboardError('INTERNAL', 'The MCP request failed unexpectedly.');
  const status = mapped.code === 'NOT_FOUND' || mapped.code === 'TOOL_NOT_FOUND' ? 404 : mapped.status;
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: toJsonRpcError(mapped), id: null }), {
    status,
    headers: { ...jsonHeaders, ...(status === 401 ? { 'www-authenticate': 'Bearer realm="switchboard"' } : {}) },
  });
}
