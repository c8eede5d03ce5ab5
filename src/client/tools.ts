import { compact, type HttpClient, path, type RequestOptions } from './http.js';
import { type Page, type PageParams, paginate, toPage, type WirePage } from './pagination.js';

/** A JSON Schema, as the server sends it (left untouched). */
export type JsonSchema = Record<string, unknown>;

/** MCP tool annotations (the names are MCP's). */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** One action of a toolkit, e.g. `BITBUCKET_CREATE_BRANCH`. */
export interface Tool {
  slug: string;
  name: string;
  description: string;
  toolkit: { slug: string; name: string; version: string };
  tags: string[];
  annotations: ToolAnnotations;
  scopes: string[];
  /** The arguments it takes; argument names are the tool's own (often snake_case). */
  inputSchema: JsonSchema;
  outputSchema: JsonSchema | null;
}

export interface WireTool {
  slug: string;
  name: string;
  description: string;
  toolkit: { slug: string; name: string; version: string };
  tags: string[];
  annotations: ToolAnnotations;
  scopes: string[];
  input_schema: JsonSchema;
  output_schema: JsonSchema | null;
}

export function toolFromWire(wire: WireTool): Tool {
  return {
    slug: wire.slug,
    name: wire.name,
    description: wire.description,
    toolkit: { slug: wire.toolkit.slug, name: wire.toolkit.name, version: wire.toolkit.version },
    tags: wire.tags,
    annotations: wire.annotations,
    scopes: wire.scopes,
    inputSchema: wire.input_schema,
    outputSchema: wire.output_schema,
  };
}

/**
 * The outcome of a tool call. An upstream failure is `successful: false` with a typed `errorCode`
 * (`UPSTREAM_ERROR`, `UPSTREAM_RATE_LIMITED`, …); problems with the call itself (unknown tool, bad
 * arguments, no connected account) are thrown as `SwitchboardApiError`s instead.
 */
export interface ExecutionResult {
  /** The tool's output, exactly as the server sent it (keys are not converted). */
  data: unknown;
  error: string | null;
  successful: boolean;
  /** The audit row of the call (`GET /v1/execution-logs`). */
  logId: string;
  errorCode?: string;
  errorDetails?: Record<string, unknown>;
  /** List tools that declare paging: whether there is more, and what to pass for the next page. */
  pagination?: { style: 'link' | 'offset' | 'page'; hasMore: boolean; next: unknown };
}

export interface WireExecutionResult {
  data: unknown;
  error: string | null;
  successful: boolean;
  log_id: string;
  error_code?: string;
  error_details?: Record<string, unknown>;
  pagination?: { style: 'link' | 'offset' | 'page'; has_more: boolean; next: unknown };
}

export function executionResultFromWire(wire: WireExecutionResult): ExecutionResult {
  return {
    data: wire.data,
    error: wire.error,
    successful: wire.successful,
    logId: wire.log_id,
    ...(wire.error_code !== undefined ? { errorCode: wire.error_code } : {}),
    ...(wire.error_details !== undefined ? { errorDetails: wire.error_details } : {}),
    ...(wire.pagination ? { pagination: { style: wire.pagination.style, hasMore: wire.pagination.has_more, next: wire.pagination.next } } : {}),
  };
}

export interface ListToolsParams extends PageParams {
  toolkit?: string | undefined;
  /** Words to look for (wire: `q`). */
  search?: string | undefined;
  /** A tool must carry all of these tags (annotation hints or its own tags). */
  tags?: string[] | undefined;
}

export interface ExecuteToolParams {
  /** The end user whose account the call uses; a user-bound key may leave it out. */
  userId?: string | undefined;
  /** The tool's arguments, sent exactly as given. */
  arguments?: Record<string, unknown> | undefined;
  /** Use this account (it must be that user's and that toolkit's) instead of the default one. */
  connectedAccountId?: string | undefined;
}

/** `/v1/tools`: the catalog's tools, and running one for a user. */
export class Tools {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  async list(params: ListToolsParams = {}, options?: RequestOptions): Promise<Page<Tool>> {
    const page = await this.#http.get<WirePage<WireTool>>(
      '/v1/tools',
      { toolkit: params.toolkit, q: params.search, tags: params.tags?.join(','), limit: params.limit, cursor: params.cursor },
      options,
    );
    return toPage(page, toolFromWire);
  }

  /** Every matching tool, page after page. */
  listAll(params: Omit<ListToolsParams, 'cursor'> = {}, options?: RequestOptions): AsyncGenerator<Tool, void, undefined> {
    return paginate((cursor) => this.list({ ...params, cursor }, options));
  }

  /** A tool with its input schema. */
  async get(slug: string, options?: RequestOptions): Promise<Tool> {
    return toolFromWire(await this.#http.get<WireTool>(path`/v1/tools/${slug}`, undefined, options));
  }

  /** Runs a tool for an end user with their connected account (outside any session policy). */
  async execute(slug: string, params: ExecuteToolParams = {}, options?: RequestOptions): Promise<ExecutionResult> {
    const body = compact({ user_id: params.userId, arguments: params.arguments ?? {}, connected_account_id: params.connectedAccountId });
    return executionResultFromWire(await this.#http.post<WireExecutionResult>(path`/v1/tools/${slug}/execute`, body, options));
  }
}
