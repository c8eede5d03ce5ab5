import { type ConnectionRequest, connectionRequest, type WireConnectLink } from './connect-links.js';
import type { ConnectedAccounts } from './connected-accounts.js';
import { compact, type HttpClient, path, type RequestOptions } from './http.js';
import { type Page, type PageParams, paginate, toPage, type WirePage } from './pagination.js';
import {
  type CreateSessionConfig,
  type SessionConfig,
  type SessionConfigInput,
  sessionConfigFromWire,
  sessionConfigToWire,
  type WireSessionConfig,
} from './session-config.js';
import { type ExecutionResult, executionResultFromWire, type JsonSchema, type WireExecutionResult } from './tools.js';

/** What an MCP client needs to connect to a session: paste `url` and `headers` into its config. */
export interface SessionMcp {
  type: 'http';
  /** Streamable HTTP endpoint of the session. */
  url: string;
  /** The API key this client used, as the MCP client should send it (`x-api-key`). */
  headers: Record<string, string>;
  /** The same endpoint for clients that cannot send headers: the token in it acts for this session only. */
  tokenUrl: string;
}

interface WireSession {
  session_id: string;
  user_id: string;
  mcp: { type: 'http'; url: string; headers: Record<string, string>; token_url: string };
  tools: string[];
  config: WireSessionConfig;
  version: number;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

/** One query of `session.search`: a task in plain English, and values already known. */
export interface SearchQuery {
  useCase: string;
  /** Known values as `key:value` pairs, e.g. `"workspace:acme, repo:widgets"`. */
  knownFields?: string | undefined;
}

export interface SearchParams {
  /** Up to 10 queries: strings, or `{ useCase, knownFields }`. */
  queries: (string | SearchQuery)[];
  /** Only search these toolkits. */
  toolkits?: string[] | undefined;
  /** Tools per query (1–20, default 5). */
  limit?: number | undefined;
}

/** A tool that matched a query. */
export interface SearchHit {
  toolSlug: string;
  toolkit: string;
  description: string;
  inputSchema: JsonSchema;
  /** Whether the user can run it now (connected, or no connection needed). */
  connected: boolean;
  /** The query words that matched. */
  matched: string[];
}

/** A toolkit the session may use, with the user's connection to it. */
export interface ToolkitConnectionState {
  toolkit: string;
  name: string;
  needsConnection: boolean;
  connected: boolean;
  connectedAccountId: string | null;
  /** The account's status, `NOT_REQUIRED` for toolkits without auth, `null` without an account. */
  status: string | null;
}

export interface SearchResult {
  results: { index: number; useCase: string; tools: SearchHit[] }[];
  toolkitConnectionStatuses: ToolkitConnectionState[];
  /** A hint for the next step (connect first, or execute). */
  nextSteps: string;
}

interface WireToolkitState {
  toolkit: string;
  name: string;
  needs_connection: boolean;
  connected: boolean;
  connected_account_id: string | null;
  status: string | null;
}

interface WireSearchResult {
  results: {
    index: number;
    use_case: string;
    tools: { tool_slug: string; toolkit: string; description: string; input_schema: JsonSchema; connected: boolean; matched: string[] }[];
  }[];
  toolkit_connection_statuses: WireToolkitState[];
  next_steps: string;
}

/** A toolkit listed by `session.toolkits()`. */
export interface SessionToolkit extends ToolkitConnectionState {
  description: string;
  /** How many of its tools the session's policy allows. */
  toolsCount: number;
}

export interface SessionToolkitsParams {
  /** Only connected (`true`) or only unconnected (`false`) toolkits. */
  connected?: boolean | undefined;
  /** Words in the toolkit's slug or name. */
  search?: string | undefined;
}

export interface AuthorizeOptions {
  /** Where the person is sent when done (default: the session's `manageConnections.callbackUrl`). */
  callbackUrl?: string | undefined;
  /** A name for the new account. */
  alias?: string | undefined;
}

function toolkitStateFromWire(wire: WireToolkitState): ToolkitConnectionState {
  return {
    toolkit: wire.toolkit,
    name: wire.name,
    needsConnection: wire.needs_connection,
    connected: wire.connected,
    connectedAccountId: wire.connected_account_id,
    status: wire.status,
  };
}

function searchResultFromWire(wire: WireSearchResult): SearchResult {
  return {
    results: wire.results.map((result) => ({
      index: result.index,
      useCase: result.use_case,
      tools: result.tools.map((tool) => ({
        toolSlug: tool.tool_slug,
        toolkit: tool.toolkit,
        description: tool.description,
        inputSchema: tool.input_schema,
        connected: tool.connected,
        matched: tool.matched,
      })),
    })),
    toolkitConnectionStatuses: wire.toolkit_connection_statuses.map(toolkitStateFromWire),
    nextSteps: wire.next_steps,
  };
}

/** A session's plain data, as `session.toJSON()` gives it. */
export interface SessionData {
  sessionId: string;
  userId: string;
  mcp: SessionMcp;
  tools: string[];
  config: SessionConfig;
  version: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

/**
 * A tool-router session: one user's policy over the catalog, with an MCP endpoint (`mcp`) for
 * agents and methods to search, connect and execute from code. The object holds the session as
 * last read; `refresh()` reads it again, `update()` changes it.
 */
export class Session {
  readonly #http: HttpClient;
  readonly #accounts: ConnectedAccounts;
  #wire: WireSession;
  #config: SessionConfig;

  /** @internal Made by `sessions.create`, `get`, `use` and `list`. */
  constructor(http: HttpClient, accounts: ConnectedAccounts, wire: WireSession) {
    this.#http = http;
    this.#accounts = accounts;
    this.#wire = wire;
    this.#config = sessionConfigFromWire(wire.config);
  }

  /** `trs_…` */
  get sessionId(): string {
    return this.#wire.session_id;
  }

  /** The end user the session acts for. */
  get userId(): string {
    return this.#wire.user_id;
  }

  get mcp(): SessionMcp {
    const { mcp } = this.#wire;
    return { type: mcp.type, url: mcp.url, headers: { ...mcp.headers }, tokenUrl: mcp.token_url };
  }

  /** What the MCP endpoint's `tools/list` shows: the meta-tools, or the allowed tools in direct mode. */
  get tools(): string[] {
    return [...this.#wire.tools];
  }

  get config(): SessionConfig {
    return this.#config;
  }

  /** Increases with every change; `update()` sends it so a concurrent change is not overwritten. */
  get version(): number {
    return this.#wire.version;
  }

  get createdAt(): string {
    return this.#wire.created_at;
  }

  get updatedAt(): string {
    return this.#wire.updated_at;
  }

  /** When the session ends (ISO 8601), or `null` if it does not expire. */
  get expiresAt(): string | null {
    return this.#wire.expires_at;
  }

  #path(suffix = ''): string {
    return path`/v1/sessions/${this.sessionId}` + suffix;
  }

  #replace(wire: WireSession): this {
    this.#wire = wire;
    this.#config = sessionConfigFromWire(wire.config);
    return this;
  }

  /** Ranked tools the session may use for a task (or several), with schemas and connection status. */
  async search(query: string | SearchParams, options?: RequestOptions): Promise<SearchResult> {
    const params: SearchParams = typeof query === 'string' ? { queries: [query] } : query;
    const body = compact({
      queries: params.queries.map((item) =>
        typeof item === 'string' ? { use_case: item } : compact({ use_case: item.useCase, known_fields: item.knownFields }),
      ),
      toolkits: params.toolkits,
      limit: params.limit,
    });
    return searchResultFromWire(await this.#http.post<WireSearchResult>(this.#path('/search'), body, options));
  }

  /**
   * Runs a tool the session allows, with the user's account. Throws `SwitchboardNotConnectedError`
   * when the user has not connected its toolkit, `SwitchboardPermissionError` when the policy
   * forbids it, `SwitchboardValidationError` for bad arguments.
   */
  async execute(toolSlug: string, args: Record<string, unknown> = {}, options?: RequestOptions): Promise<ExecutionResult> {
    const result = await this.#http.post<WireExecutionResult>(this.#path('/execute'), { tool_slug: toolSlug, arguments: args }, options);
    return executionResultFromWire(result);
  }

  /**
   * A connect link for the session's user and a toolkit (the session's auth config, pinned account
   * and callback apply). Show the user `redirectUrl`, then `await request.waitForConnection()`.
   */
  async authorize(toolkit: string, authorizeOptions: AuthorizeOptions = {}, options?: RequestOptions): Promise<ConnectionRequest> {
    const body = compact({ toolkit, callback_url: authorizeOptions.callbackUrl, alias: authorizeOptions.alias });
    const wire = await this.#http.post<WireConnectLink>(this.#path('/link'), body, options);
    // A session that pins an account for the toolkit reconnects that account instead of making a new one.
    return connectionRequest(wire, this.#accounts, wire.connected_account_id === this.#config.connectedAccounts[toolkit], options);
  }

  /** Toolkits the session may use, with the user's connection to each (not paginated: one answer holds them all). */
  async toolkits(params: SessionToolkitsParams = {}, options?: RequestOptions): Promise<{ items: SessionToolkit[] }> {
    const query = { connected: params.connected === undefined ? undefined : String(params.connected), search: params.search };
    const wire = await this.#http.get<{ items: (WireToolkitState & { description: string; tools_count: number })[] }>(this.#path('/toolkits'), query, options);
    return { items: wire.items.map((item) => ({ ...toolkitStateFromWire(item), description: item.description, toolsCount: item.tools_count })) };
  }

  /**
   * Changes blocks of the policy (the blocks given replace the stored ones). Sends the version this
   * object holds: if the session changed meanwhile, throws `SwitchboardConflictError` and changes
   * nothing (`refresh()`, then apply the change again). On success this object holds the new state.
   */
  async update(config: SessionConfigInput, options?: RequestOptions): Promise<this> {
    const body = { ...sessionConfigToWire(config), expected_version: this.version };
    return this.#replace(await this.#http.patch<WireSession>(this.#path(), body, options));
  }

  /** Reads the session again (policy, version, tools). */
  async refresh(options?: RequestOptions): Promise<this> {
    return this.#replace(await this.#http.get<WireSession>(this.#path(), undefined, options));
  }

  /** Deletes the session: its MCP URL stops working. */
  async delete(options?: RequestOptions): Promise<void> {
    await this.#http.delete(this.#path(), options);
  }

  /** The session's plain data (camelCase), e.g. for logging or `JSON.stringify`. */
  toJSON(): SessionData {
    return {
      sessionId: this.sessionId,
      userId: this.userId,
      mcp: this.mcp,
      tools: this.tools,
      config: this.config,
      version: this.version,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      expiresAt: this.expiresAt,
    };
  }
}

export interface ListSessionsParams extends PageParams {
  /** Only this user's sessions (a user-bound key sees only its own user's anyway). */
  userId?: string | undefined;
}

/** `/v1/sessions`: tool-router sessions. */
export class Sessions {
  readonly #http: HttpClient;
  readonly #accounts: ConnectedAccounts;

  constructor(http: HttpClient, accounts: ConnectedAccounts) {
    this.#http = http;
    this.#accounts = accounts;
  }

  #session(wire: WireSession): Session {
    return new Session(this.#http, this.#accounts, wire);
  }

  /** Creates a session for an end user (your app's user id), limited by `config`. */
  async create(userId: string, config: CreateSessionConfig = {}, options?: RequestOptions): Promise<Session> {
    const { expiresIn, ...policy } = config;
    const body = compact({ user_id: userId, ...sessionConfigToWire(policy), expires_in: expiresIn });
    return this.#session(await this.#http.post<WireSession>('/v1/sessions', body, options));
  }

  /** Reads a session by id. */
  async get(sessionId: string, options?: RequestOptions): Promise<Session> {
    return this.#session(await this.#http.get<WireSession>(path`/v1/sessions/${sessionId}`, undefined, options));
  }

  /** Picks up an existing session by id (the same as `get`): sessions persist on the server until deleted or expired. */
  use(sessionId: string, options?: RequestOptions): Promise<Session> {
    return this.get(sessionId, options);
  }

  async list(params: ListSessionsParams = {}, options?: RequestOptions): Promise<Page<Session>> {
    const page = await this.#http.get<WirePage<WireSession>>('/v1/sessions', { user_id: params.userId, limit: params.limit, cursor: params.cursor }, options);
    return toPage(page, (wire) => this.#session(wire));
  }

  /** Every matching session, page after page. */
  listAll(params: Omit<ListSessionsParams, 'cursor'> = {}, options?: RequestOptions): AsyncGenerator<Session, void, undefined> {
    return paginate((cursor) => this.list({ ...params, cursor }, options));
  }

  /** Deletes a session by id. */
  async delete(sessionId: string, options?: RequestOptions): Promise<void> {
    await this.#http.delete(path`/v1/sessions/${sessionId}`, options);
  }
}
