import { and, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { ConnectedAccountService, ConnectLinkService, ConnectLinkView, Vault } from '../auth/index.js';
import type { Catalog, ToolDefinition, ToolkitDefinition } from '../catalog/index.js';
import { type ChangeFeed, type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import type { ExecutionResult, Executor } from '../execution/index.js';
import { newId } from '../ids.js';
import { keysetAfter, keysetOrder, type Page, toPage } from '../pagination.js';
import type { Reranker } from '../search/index.js';
import { actingUser, type Principal, requireScope, seesUser } from '../tenancy/index.js';
import { type CreateSessionInput, createSessionSchema, normaliseConfig, type SessionConfig, type UpdateSessionInput, updateSessionSchema } from './config.js';
import type { MetaToolDialect, MetaToolDialects } from './dialect.js';
import {
  getToolSchemasInput,
  type MetaToolName,
  manageConnectionsInput,
  metaToolNames,
  metaTools,
  multiExecuteInput,
  readStoredResultInput,
  searchToolsInput,
  waitForConnectionsInput,
} from './meta-tools.js';
import { denialReason, toolkitVisible } from './policy.js';
import { sessionToken, verifySessionToken } from './session-token.js';
import { createStoredResults } from './stored-results.js';
import { createProjectSearch, stepQueries, steps, why } from './tool-search.js';

type SessionRow = typeof tables.routerSessions.$inferSelect;

export interface SessionView {
  session_id: string;
  user_id: string;
  mcp: { type: 'http'; url: string; token_url: string };
  tools: string[];
  config: SessionConfig;
  version: number;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

/** An open session: what every call through it acts as and is limited by. */
export interface SessionContext {
  session: SessionRow;
  config: SessionConfig;
  /** The caller, narrowed to the session's user. */
  principal: Principal;
}

/** A tool as MCP lists it. */
export interface ListedTool {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, boolean>;
}

export interface ToolCallOutcome {
  data: unknown;
  isError: boolean;
}

export interface ToolkitConnectionState {
  toolkit: string;
  name: string;
  needs_connection: boolean;
  connected: boolean;
  connected_account_id: string | null;
  status: string | null;
  /** Of that account, when there is one. */
  auth_scheme: string | null;
  auth_config_id: string | null;
  account_created_at: string | null;
}

const sessionChangeTopic = 'router_session';

export interface RouterOptions {
  db: Database;
  catalog: Catalog;
  executor: Executor;
  accounts: ConnectedAccountService;
  connectLinks: ConnectLinkService;
  vault: Vault;
  publicUrl: () => string;
  /** Drops cached session rows on every instance when a session changes. */
  changes: ChangeFeed;
  /** How often wait_for_connections looks again. */
  pollIntervalMs?: number;
  /** Dense re-ranking of search results (configured embeddings endpoint); lexical only without it. */
  reranker?: Reranker | undefined;
  /** Meta-tool namings besides Switchboard's own (the compatibility module's). */
  dialects?: MetaToolDialects;
  /** Where failures the caller does not see as errors (a large result that could not be stored) are reported. */
  warn?: (message: string, details: Record<string, unknown>) => void;
}

/** A tool together with its toolkit. */
export interface SearchCandidate {
  toolkit: ToolkitDefinition;
  tool: ToolDefinition;
}

const sessionIdPattern = /^trs_[A-Za-z0-9]{20}$/;
const maxConcurrentCalls = 10;

/** Runs `work` over items with at most `limit` in flight; results keep input order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function invalidArguments(tool: string, error: z.ZodError): SwitchboardError {
  const issue = error.issues[0]!;
  const field = issue.path.join('.') || '(arguments)';
  return new SwitchboardError('VALIDATION_FAILED', `Invalid arguments for ${tool}: ${field}: ${issue.message}.`, {
    field,
    issues: error.issues.map((item) => ({ field: item.path.join('.'), message: item.message })),
  });
}

function parseArguments<T extends z.ZodType>(tool: string, schema: T, args: unknown): z.output<T> {
  const parsed = schema.safeParse(args ?? {});
  if (!parsed.success) throw invalidArguments(tool, parsed.error);
  return parsed.data;
}

/** Errors a model can correct become tool results, not protocol errors (MCP tools spec). */
async function correctable(work: () => Promise<ToolCallOutcome>): Promise<ToolCallOutcome> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SwitchboardError && ['VALIDATION_FAILED', 'FORBIDDEN', 'NOT_CONNECTED', 'NOT_FOUND'].includes(error.code)) {
      return {
        data: { successful: false, error: error.message, error_code: error.code, ...(error.details ? { error_details: error.details } : {}) },
        isError: true,
      };
    }
    throw error;
  }
}

/** Slugs that look like `wanted` (shared words), for "did you mean". */
function similarSlugs(wanted: string, slugs: readonly string[]): string[] {
  const words = new Set(wanted.toUpperCase().split('_'));
  return slugs
    .map((slug) => ({ slug, shared: slug.split('_').filter((word) => words.has(word)).length }))
    .filter((entry) => entry.shared > 0)
    .sort((a, b) => b.shared - a.shared || a.slug.localeCompare(b.slug))
    .slice(0, 3)
    .map((entry) => entry.slug);
}

/**
 * Tool-router sessions: a user's policy over the catalog, and the operations an agent performs
 * through it (list, search, schemas, connect, wait, execute). The MCP and REST surfaces are thin
 * adapters over these functions.
 */
export function createRouter(options: RouterOptions) {
  const { db, catalog, executor, accounts, connectLinks } = options;
  const sessions = tables.routerSessions;
  // Every MCP request opens its session: rows are cached by id and dropped on update and delete.
  const sessionRows = options.changes.cache<SessionRow>(sessionChangeTopic);
  const sessionChanged = (id: string) => options.changes.changed(sessionChangeTopic, id);
  const sessionById = (id: string) =>
    sessionIdPattern.test(id) ? sessionRows.get(id, async () => (await db.select().from(sessions).where(eq(sessions.id, id)))[0]) : Promise.resolve(undefined);
  const search = createProjectSearch(options.reranker);
  const stored = createStoredResults(db, options.warn);
  const scopeOf = (context: SessionContext) => ({
    projectId: context.session.projectId,
    sessionId: context.session.id === 'universal' ? null : context.session.id,
    userId: context.session.userId,
  });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const mcpUrl = (id: string) => new URL(`/mcp/${id}`, options.publicUrl()).href;

  async function allowedTools(context: SessionContext): Promise<SearchCandidate[]> {
    const visible = await catalog.visibleToolkits(context.session.projectId);
    return visible.flatMap(({ toolkit }) =>
      toolkitVisible(context.config, toolkit)
        ? toolkit.tools.filter((tool) => !denialReason(context.config, toolkit, tool)).map((tool) => ({ toolkit, tool }))
        : [],
    );
  }

  function metaToolsOf(config: SessionConfig): MetaToolName[] {
    return metaToolNames.filter((name) => {
      if (name === 'manage_connections') return config.manage_connections.enabled;
      if (name === 'wait_for_connections') return config.manage_connections.enabled && config.manage_connections.wait_for_connections;
      if (name === 'read_stored_result') return config.workbench.auto_offload_threshold !== null;
      return true;
    });
  }

  function listedTool({ toolkit, tool }: SearchCandidate): ListedTool {
    return {
      name: tool.slug,
      title: `${toolkit.name}: ${tool.name}`,
      description: tool.description,
      inputSchema: tool.input_schema,
      annotations: { ...tool.annotations },
    };
  }

  async function directTools(context: SessionContext): Promise<SearchCandidate[]> {
    const allowed = await allowedTools(context);
    if (context.config.mode === 'direct' || context.config.preload === 'all') return allowed;
    const preload = new Set(context.config.preload);
    return allowed.filter(({ tool }) => preload.has(tool.slug));
  }

  /** Meta-tools a session lists: all in meta mode; in direct mode only the connection ones. */
  function listedMetaTools(config: SessionConfig): MetaToolName[] {
    return metaToolsOf(config).filter(
      (name) => config.mode === 'meta' || name === 'manage_connections' || name === 'wait_for_connections' || name === 'read_stored_result',
    );
  }

  function dialectOf(config: SessionConfig): MetaToolDialect | undefined {
    const naming = config.meta_tool_names ?? 'switchboard';
    if (naming === 'switchboard') return undefined;
    const dialect = options.dialects?.[naming];
    if (!dialect)
      throw new SwitchboardError('VALIDATION_FAILED', `This server does not offer the ${naming} meta-tool names; use meta_tool_names "switchboard".`);
    return dialect;
  }

  async function listTools(context: SessionContext): Promise<ListedTool[]> {
    const dialect = dialectOf(context.config);
    const meta = listedMetaTools(context.config).map((name) => (dialect ? dialect.present(metaTools[name]) : metaTools[name]));
    return [...meta, ...(await directTools(context)).map(listedTool)];
  }

  async function view(row: SessionRow): Promise<SessionView> {
    const config = row.config as SessionConfig;
    const context: SessionContext = { session: row, config, principal: { projectId: row.projectId, keyId: null, scopes: [], userId: row.userId } };
    return {
      session_id: row.id,
      user_id: row.userId,
      mcp: { type: 'http', url: mcpUrl(row.id), token_url: `${mcpUrl(row.id)}?token=${sessionToken(options.vault, row.id)}` },
      tools: (await listTools(context)).map((tool) => tool.name),
      config,
      version: row.version,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      expires_at: row.expiresAt?.toISOString() ?? null,
    };
  }

  async function checkReferences(principal: Principal, config: SessionConfig, userId: string, before?: SessionConfig): Promise<void> {
    // A pinned account must be the session user's own account of that toolkit; refused here, not
    // only when a call runs. One answer for "missing" and "someone else's": it tells nobody which ids exist.
    for (const [toolkit, accountId] of Object.entries(config.connected_accounts)) {
      if (before?.connected_accounts[toolkit] === accountId) continue; // checked when it was pinned
      const [row] = await db
        .select({ userId: tables.connectedAccounts.userId, toolkit: tables.connectedAccounts.toolkit })
        .from(tables.connectedAccounts)
        .where(and(eq(tables.connectedAccounts.id, accountId), eq(tables.connectedAccounts.projectId, principal.projectId)));
      if (!row || row.userId !== userId || row.toolkit !== toolkit) {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          `connected_accounts.${toolkit}: ${accountId} is not a ${toolkit} account of user ${userId}; pin one of that user's own accounts (GET /v1/connected-accounts?user_id=…).`,
          { field: `connected_accounts.${toolkit}`, connected_account_id: accountId },
        );
      }
    }
    for (const [toolkit, authConfigId] of Object.entries(config.auth_configs)) {
      await catalog.findToolkit(principal.projectId, toolkit);
      const [row] = await db
        .select({ toolkit: tables.authConfigs.toolkit })
        .from(tables.authConfigs)
        .where(and(eq(tables.authConfigs.id, authConfigId), eq(tables.authConfigs.projectId, principal.projectId)));
      if (!row || row.toolkit !== toolkit) {
        throw new SwitchboardError('VALIDATION_FAILED', `auth_configs.${toolkit}: ${authConfigId} is not a ${toolkit} auth config of this project.`, {
          field: `auth_configs.${toolkit}`,
        });
      }
    }
    const lists = [config.toolkits && ('enabled' in config.toolkits ? config.toolkits.enabled : config.toolkits.disabled), Object.keys(config.tools)];
    for (const slug of new Set(lists.flat().filter((value): value is string => typeof value === 'string')))
      await catalog.findToolkit(principal.projectId, slug);
    // Tool slugs must exist: a typo in a deny-list would otherwise silently allow the tool it meant.
    for (const [toolkit, policy] of Object.entries(config.tools)) {
      if ('tags' in policy) continue;
      const known = new Set((await catalog.findToolkit(principal.projectId, toolkit)).toolkit.tools.map((tool) => tool.slug));
      const unknown = ('enabled' in policy ? policy.enabled : policy.disabled).filter((slug) => !known.has(slug));
      if (unknown.length > 0) {
        throw new SwitchboardError('VALIDATION_FAILED', `tools.${toolkit} names tools that ${toolkit} does not have: ${unknown.slice(0, 5).join(', ')}.`, {
          field: `tools.${toolkit}`,
          unknown_tools: unknown,
        });
      }
    }
    if (Array.isArray(config.preload)) {
      for (const slug of config.preload) await catalog.findTool(principal.projectId, slug);
    }
  }

  async function findRow(principal: Principal, id: string): Promise<SessionRow> {
    const row = await sessionById(id);
    if (!row || row.projectId !== principal.projectId || !seesUser(principal, row.userId))
      throw new SwitchboardError('NOT_FOUND', `Session ${id} was not found.`, { session_id: id });
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) {
      throw new SwitchboardError('NOT_FOUND', `Session ${id} expired at ${row.expiresAt.toISOString()}; create a new one.`, { session_id: id, expired: true });
    }
    return row;
  }

  async function connectionStates(context: SessionContext, toolkits: readonly ToolkitDefinition[]): Promise<Map<string, ToolkitConnectionState>> {
    const states = new Map<string, ToolkitConnectionState>();
    const listed = (await accounts.list(context.principal, { user_id: context.session.userId, limit: 200 })).items;
    for (const toolkit of toolkits) {
      const needsConnection = !toolkit.auth.every((scheme) => scheme.type === 'none');
      const pinned = context.config.connected_accounts[toolkit.slug];
      const own = listed.filter((account) => account.toolkit === toolkit.slug && (!pinned || account.id === pinned));
      const active = own.find((account) => account.status === 'ACTIVE' && (pinned || account.is_default)) ?? own.find((account) => account.status === 'ACTIVE');
      const latest = active ?? own.at(-1);
      states.set(toolkit.slug, {
        toolkit: toolkit.slug,
        name: toolkit.name,
        needs_connection: needsConnection,
        connected: !needsConnection || Boolean(active),
        connected_account_id: latest?.id ?? null,
        status: needsConnection ? (latest?.status ?? null) : 'NOT_REQUIRED',
        auth_scheme: latest?.auth_scheme ?? null,
        auth_config_id: latest?.auth_config_id ?? null,
        account_created_at: latest?.created_at ?? null,
      });
    }
    return states;
  }

  /** The tool if the session may run it; otherwise why not, as an error an agent can act on. */
  async function permittedTool(context: SessionContext, slug: string): Promise<{ toolkit: ToolkitDefinition; tool: ToolDefinition }> {
    const { toolkit, tool } = await catalog.findTool(context.session.projectId, slug);
    const denied = toolkitVisible(context.config, toolkit)
      ? denialReason(context.config, toolkit, tool)
      : `the toolkit ${toolkit.slug} is not enabled in this session`;
    if (denied) throw new SwitchboardError('FORBIDDEN', `${slug} cannot run: ${denied}. Tell the user and stop, or use another tool.`, { tool_slug: slug });
    return { toolkit, tool };
  }

  async function executeInSession(context: SessionContext, slug: string, args: unknown, signal?: AbortSignal): Promise<ExecutionResult> {
    const { toolkit } = await permittedTool(context, slug);
    const result = await executor.execute(
      context.principal,
      { tool_slug: slug, user_id: context.session.userId, arguments: args, connected_account_id: context.config.connected_accounts[toolkit.slug] },
      signal,
    );
    return stored.offload(scopeOf(context), context.config.workbench.auto_offload_threshold, slug, result);
  }

  async function link(
    context: SessionContext,
    input: { toolkit: string; callback_url?: string | undefined; alias?: string | undefined },
  ): Promise<ConnectLinkView> {
    const toolkit = await catalog.findToolkit(context.session.projectId, input.toolkit);
    if (!toolkitVisible(context.config, toolkit.toolkit)) {
      throw new SwitchboardError('FORBIDDEN', `The toolkit ${input.toolkit} is not enabled in this session.`, { toolkit: input.toolkit });
    }
    const pinned = context.config.connected_accounts[input.toolkit];
    const callback = input.callback_url ?? context.config.manage_connections.callback_url ?? undefined;
    return connectLinks.create(context.principal, {
      user_id: context.session.userId,
      toolkit: input.toolkit,
      ...(context.config.auth_configs[input.toolkit] ? { auth_config_id: context.config.auth_configs[input.toolkit] } : {}),
      ...(pinned ? { connected_account_id: pinned } : {}),
      ...(callback ? { callback_url: callback } : {}),
      ...(input.alias && !pinned ? { alias: input.alias } : {}),
    });
  }

  async function searchTools(context: SessionContext, input: z.output<typeof searchToolsInput>) {
    const visible = (await catalog.visibleToolkits(context.session.projectId)).map(({ toolkit }) => toolkit);
    const allowed = await allowedTools(context);
    const bySlug = new Map(allowed.map((candidate) => [candidate.tool.slug, candidate]));
    const allowedSlugs = new Set(bySlug.keys());
    const run = (text: string, limit: number) =>
      search.search(context.session.projectId, visible, text, { allowed: allowedSlugs, toolkits: input.toolkits, limit });
    const results = await Promise.all(
      input.queries.map(async (query, index) => {
        const hits = await run(`${query.use_case} ${query.known_fields ?? ''}`, input.limit);
        const parts = steps(query.use_case);
        let planHint: string | undefined;
        if (parts.length > 1) {
          const texts = stepQueries(parts);
          const picks = await Promise.all(parts.map(async (part, i) => ({ part, hit: (await run(texts[i]!, 1))[0] })));
          const found = picks.filter((pick) => pick.hit);
          if (found.length > 1) {
            planHint = `Several steps: ${found.map((pick, i) => `${i + 1}. ${pick.hit!.id} (${pick.part})`).join(' → ')}; use each step's output in the next.`;
            for (const pick of found) if (!hits.some((hit) => hit.id === pick.hit!.id)) hits.push(pick.hit!);
          }
        }
        // The index holds only the project's tools and filters by the policy; the lookup drops anything else.
        const tools = hits.flatMap((hit) => {
          const candidate = bySlug.get(hit.id);
          return candidate ? [{ ...candidate, hit }] : [];
        });
        return { index: index + 1, use_case: query.use_case, tools, planHint };
      }),
    );
    const toolkits = [...new Map(results.flatMap((result) => result.tools.map((entry) => [entry.toolkit.slug, entry.toolkit] as const))).values()];
    const states = await connectionStates(context, toolkits);
    return {
      results: results.map((result) => ({
        index: result.index,
        use_case: result.use_case,
        tools: result.tools.map(({ toolkit, tool, hit }) => ({
          tool_slug: tool.slug,
          toolkit: toolkit.slug,
          description: tool.description,
          input_schema: tool.input_schema,
          connected: states.get(toolkit.slug)?.connected ?? false,
          matched: [...new Set(hit.matches.map((match) => match.word))],
          why: why(hit.matches),
        })),
        ...(result.planHint ? { plan_hint: result.planHint } : {}),
      })),
      toolkit_connection_statuses: [...states.values()],
      next_steps:
        [...states.values()].some((state) => !state.connected) && context.config.manage_connections.enabled
          ? 'Some apps are not connected: call manage_connections for them before executing their tools.'
          : 'Execute the tools with multi_execute_tool.',
    };
  }

  async function getToolSchemas(context: SessionContext, input: z.output<typeof getToolSchemasInput>) {
    const allowed = await allowedTools(context);
    const bySlug = new Map(allowed.map((candidate) => [candidate.tool.slug, candidate]));
    const found = input.tool_slugs.filter((slug) => bySlug.has(slug));
    const missing = input.tool_slugs.filter((slug) => !bySlug.has(slug));
    const slugs = [...bySlug.keys()];
    return {
      tool_schemas: Object.fromEntries(
        found.map((slug) => {
          const { toolkit, tool } = bySlug.get(slug)!;
          return [
            slug,
            {
              tool_slug: slug,
              toolkit: toolkit.slug,
              description: tool.description,
              input_schema: tool.input_schema,
              output_schema: tool.output_schema ?? null,
            },
          ];
        }),
      ),
      not_found: missing,
      ...(missing.length > 0 ? { suggestions: Object.fromEntries(missing.map((slug) => [slug, similarSlugs(slug, slugs)])) } : {}),
    };
  }

  async function manageConnections(context: SessionContext, input: z.output<typeof manageConnectionsInput>) {
    const toolkits = await Promise.all(input.toolkits.map((slug) => catalog.findToolkit(context.session.projectId, slug).then(({ toolkit }) => toolkit)));
    const states = await connectionStates(context, toolkits);
    const results: Record<string, unknown> = {};
    for (const toolkit of toolkits) {
      const state = states.get(toolkit.slug)!;
      if (!toolkitVisible(context.config, toolkit)) {
        results[toolkit.slug] = { toolkit: toolkit.slug, status: 'failed', error_message: `The toolkit ${toolkit.slug} is not enabled in this session.` };
      } else if (!state.needs_connection) {
        results[toolkit.slug] = { toolkit: toolkit.slug, status: 'active', has_active_connection: true, instruction: 'No connection needed.' };
      } else if (state.connected && !input.reinitiate_all) {
        results[toolkit.slug] = { toolkit: toolkit.slug, status: 'active', has_active_connection: true, connected_account_id: state.connected_account_id };
      } else {
        try {
          const created = await link(context, { toolkit: toolkit.slug });
          results[toolkit.slug] = {
            toolkit: toolkit.slug,
            status: 'initiated',
            has_active_connection: state.connected,
            connected_account_id: created.connected_account_id,
            redirect_url: created.redirect_url,
            expires_at: created.expires_at,
            instruction: `Show the user this link as a Markdown link: [Connect ${toolkit.name}](${created.redirect_url}), then call wait_for_connections.`,
          };
        } catch (error) {
          results[toolkit.slug] = { toolkit: toolkit.slug, status: 'failed', error_message: (error as Error).message };
        }
      }
    }
    const values = Object.values(results) as { status: string }[];
    return {
      results,
      summary: {
        total_toolkits: values.length,
        active_connections: values.filter((result) => result.status === 'active').length,
        initiated_connections: values.filter((result) => result.status === 'initiated').length,
        failed_connections: values.filter((result) => result.status === 'failed').length,
      },
    };
  }

  async function waitForConnections(context: SessionContext, input: z.output<typeof waitForConnectionsInput>, signal?: AbortSignal) {
    const toolkits = await Promise.all(input.toolkits.map((slug) => catalog.findToolkit(context.session.projectId, slug).then(({ toolkit }) => toolkit)));
    const deadline = Date.now() + input.timeout_seconds * 1000;
    for (;;) {
      const states = await connectionStates(context, toolkits);
      const values = [...states.values()];
      const settled = (state: ToolkitConnectionState) => state.connected || state.status === 'FAILED' || state.status === 'EXPIRED';
      const done = input.mode === 'all' ? values.every(settled) : values.some((state) => state.connected);
      if (done || Date.now() >= deadline || signal?.aborted) {
        return {
          done,
          timed_out: !done,
          results: Object.fromEntries(values.map((state) => [state.toolkit, state])),
          message: done
            ? 'The connections are settled.'
            : `Not all connections finished within ${input.timeout_seconds} s; ask the user whether they completed the link.`,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollIntervalMs, Math.max(0, deadline - Date.now()))));
    }
  }

  async function multiExecute(context: SessionContext, input: z.output<typeof multiExecuteInput>, signal?: AbortSignal) {
    const results = await mapConcurrent(input.tools, maxConcurrentCalls, async (call, index) => {
      try {
        const response = await executeInSession(context, call.tool_slug, call.arguments, signal);
        return { index, tool_slug: call.tool_slug, response, error: response.error };
      } catch (error) {
        const message = error instanceof SwitchboardError ? error.message : 'The call failed unexpectedly.';
        return { index, tool_slug: call.tool_slug, response: null, error: message };
      }
    });
    const succeeded = results.filter((result) => result.response?.successful).length;
    return { results, total_count: results.length, success_count: succeeded, error_count: results.length - succeeded };
  }

  async function runMetaTool(context: SessionContext, name: MetaToolName, args: unknown, signal?: AbortSignal): Promise<ToolCallOutcome> {
    return correctable(async () => {
      switch (name) {
        case 'search_tools':
          return { data: await searchTools(context, parseArguments(name, searchToolsInput, args)), isError: false };
        case 'get_tool_schemas':
          return { data: await getToolSchemas(context, parseArguments(name, getToolSchemasInput, args)), isError: false };
        case 'manage_connections':
          return { data: await manageConnections(context, parseArguments(name, manageConnectionsInput, args)), isError: false };
        case 'wait_for_connections':
          return { data: await waitForConnections(context, parseArguments(name, waitForConnectionsInput, args), signal), isError: false };
        case 'multi_execute_tool':
          return { data: await multiExecute(context, parseArguments(name, multiExecuteInput, args), signal), isError: false };
        case 'read_stored_result':
          return { data: await stored.read(scopeOf(context), parseArguments(name, readStoredResultInput, args)), isError: false };
      }
    });
  }

  return {
    /** Creates a session for a user; the caller must be allowed to act for that user. */
    async create(principal: Principal, raw: CreateSessionInput): Promise<SessionView> {
      requireScope(principal, 'tools:execute');
      const input = createSessionSchema.parse(raw);
      const userId = actingUser(principal, input.user_id);
      const { user_id: _user, expires_in: expiresIn, ...rest } = input;
      const config = normaliseConfig(rest);
      dialectOf(config);
      await checkReferences(principal, config, userId);
      const [row] = await db
        .insert(sessions)
        .values({
          id: newId('trs'),
          projectId: principal.projectId,
          userId,
          config,
          createdByKeyId: principal.keyId,
          expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
        })
        .returning();
      await db.insert(tables.users).values({ projectId: principal.projectId, userId }).onConflictDoNothing();
      return view(row!);
    },

    async get(principal: Principal, id: string): Promise<SessionView> {
      requireScope(principal, 'tools:execute');
      return view(await findRow(principal, id));
    },

    async list(principal: Principal, query: { user_id?: string | undefined; limit: number; cursor?: string | undefined }): Promise<Page<SessionView>> {
      requireScope(principal, 'tools:execute');
      const userId = principal.userId ? actingUser(principal, query.user_id) : query.user_id;
      const rows = await db
        .select()
        .from(sessions)
        .where(and(eq(sessions.projectId, principal.projectId), userId ? eq(sessions.userId, userId) : undefined, keysetAfter(sessions, query.cursor)))
        .orderBy(...keysetOrder(sessions))
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit, (row) => row);
      return { items: await Promise.all(page.items.map(view)), next_cursor: page.next_cursor };
    },

    /** Changes blocks of the policy; with `expected_version`, a concurrent change is a 409 instead of being overwritten. */
    async update(principal: Principal, id: string, raw: UpdateSessionInput): Promise<SessionView & { changed: boolean }> {
      requireScope(principal, 'tools:execute');
      const { expected_version: expected, ...input } = updateSessionSchema.parse(raw);
      const row = await findRow(principal, id);
      if (expected !== undefined && expected !== row.version) {
        throw new SwitchboardError('CONFLICT', `Session ${id} is at version ${row.version}, not ${expected}: read it again and reapply your change.`, {
          session_id: id,
          version: row.version,
        });
      }
      const config = normaliseConfig(input, row.config as SessionConfig);
      dialectOf(config);
      await checkReferences(principal, config, row.userId, row.config as SessionConfig);
      const [updated] = await db
        .update(sessions)
        .set({ config, version: sql`${sessions.version} + 1`, updatedAt: sql`now()` })
        .where(and(eq(sessions.id, id), eq(sessions.version, row.version)))
        .returning();
      await sessionChanged(id);
      if (!updated) {
        throw new SwitchboardError('CONFLICT', `Session ${id} changed meanwhile: read it again and reapply your change.`, { session_id: id });
      }
      const before = (await view(row)).tools.join('\n');
      const after = await view(updated);
      return { ...after, changed: before !== after.tools.join('\n') };
    },

    async remove(principal: Principal, id: string): Promise<void> {
      requireScope(principal, 'tools:execute');
      await findRow(principal, id);
      await db.delete(sessions).where(eq(sessions.id, id));
      await sessionChanged(id);
    },

    /** Opens a session for one request through it; every call then acts as its user. */
    async open(principal: Principal, id: string): Promise<SessionContext> {
      requireScope(principal, 'tools:execute');
      const session = await findRow(principal, id);
      return { session, config: session.config as SessionConfig, principal: { ...principal, userId: session.userId } };
    },

    /**
     * Opens a session by its URL token alone (no API key): the session's own user, with the
     * permissions of a user-bound key.
     */
    async openWithToken(id: string, token: string): Promise<SessionContext> {
      const row = await sessionById(id);
      if (!row || !verifySessionToken(options.vault, row.id, token)) {
        throw new SwitchboardError(
          'UNAUTHENTICATED',
          'The session token is not valid for this session: use the token_url the session was created with, or send an API key.',
        );
      }
      const principal: Principal = { projectId: row.projectId, keyId: null, scopes: ['tools:execute'], userId: row.userId };
      return this.open(principal, id);
    },

    /**
     * A session-less context for the universal endpoint: the key's own user, every toolkit, the
     * default policy (nothing is stored).
     */
    universal(principal: Principal, userId: string): SessionContext {
      requireScope(principal, 'tools:execute');
      const acting = actingUser(principal, userId);
      const now = new Date();
      return {
        session: {
          id: 'universal',
          projectId: principal.projectId,
          userId: acting,
          config: {},
          version: 1,
          createdByKeyId: principal.keyId,
          createdAt: now,
          updatedAt: now,
          expiresAt: null,
        },
        config: normaliseConfig({ mode: 'meta' }),
        principal: { ...principal, userId: acting },
      };
    },

    /** What `tools/list` shows for the session: the meta-tools and/or the allowed tools themselves. */
    listTools,

    /** Runs a tool listed by `listTools`: a meta-tool or an allowed tool. Unknown names are TOOL_NOT_FOUND. */
    async callTool(context: SessionContext, name: string, args: unknown, signal?: AbortSignal): Promise<ToolCallOutcome> {
      const dialect = dialectOf(context.config);
      const wanted = dialect ? dialect.resolve(name) : name;
      const meta = listedMetaTools(context.config).find((candidate) => candidate === wanted);
      if (meta && dialect) {
        const outcome = await runMetaTool(context, meta, dialect.input(meta, args), signal);
        return { data: dialect.output(meta, outcome, context, args), isError: outcome.isError };
      }
      if (meta) return runMetaTool(context, meta, args, signal);
      return correctable(async () => {
        const direct = await directTools(context);
        if (!direct.some(({ tool }) => tool.slug === name)) {
          throw new SwitchboardError('TOOL_NOT_FOUND', `This session has no tool named ${name}; tools/list shows the ones it has.`, { tool: name });
        }
        const result = await executeInSession(context, name, args, signal);
        return { data: result, isError: !result.successful };
      });
    },

    /** A stored (offloaded) result in full, for REST callers. */
    async storedResult(context: SessionContext, resultId: string) {
      return stored.read(scopeOf(context), { result_id: resultId, offset: 0, length: Number.MAX_SAFE_INTEGER });
    },
    sweep: () => stored.sweep(),

    search: (context: SessionContext, input: unknown) => searchTools(context, parseArguments('search', searchToolsInput, input)),
    execute: (context: SessionContext, input: { tool_slug: string; arguments?: unknown }, signal?: AbortSignal) =>
      executeInSession(context, input.tool_slug, input.arguments ?? {}, signal),
    link,

    /** Toolkits the session may use, with the user's connection to each. */
    async toolkits(context: SessionContext, query: { connected?: boolean | undefined; search?: string | undefined }) {
      const visible = (await catalog.visibleToolkits(context.session.projectId))
        .map(({ toolkit }) => toolkit)
        .filter((toolkit) => toolkitVisible(context.config, toolkit));
      const matching = query.search
        ? visible.filter((toolkit) => `${toolkit.slug} ${toolkit.name}`.toLowerCase().includes(query.search!.toLowerCase()))
        : visible;
      const states = await connectionStates(context, matching);
      const items = matching
        .map((toolkit) => ({
          ...states.get(toolkit.slug)!,
          description: toolkit.description,
          tools_count: toolkit.tools.filter((tool) => !denialReason(context.config, toolkit, tool)).length,
        }))
        .filter((item) => query.connected === undefined || item.connected === query.connected);
      return { items };
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
