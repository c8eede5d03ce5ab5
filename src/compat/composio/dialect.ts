import { newId } from '../../ids.js';
import type { ListedTool, MetaToolDescriptor, MetaToolDialect, MetaToolName, SessionContext } from '../../router/index.js';

/** Composio's names for the meta-tools; the stored-result reader has no Composio counterpart. */
export const composioMetaToolNames: Record<MetaToolName, string> = {
  search_tools: 'COMPOSIO_SEARCH_TOOLS',
  get_tool_schemas: 'COMPOSIO_GET_TOOL_SCHEMAS',
  manage_connections: 'COMPOSIO_MANAGE_CONNECTIONS',
  wait_for_connections: 'COMPOSIO_WAIT_FOR_CONNECTIONS',
  multi_execute_tool: 'COMPOSIO_MULTI_EXECUTE_TOOL',
  read_stored_result: 'SWITCHBOARD_READ_STORED_RESULT',
};

const byComposioName = new Map(Object.entries(composioMetaToolNames).map(([ours, theirs]) => [theirs, ours as MetaToolName]));

const sessionIdProperty = { type: 'string', description: 'The session_id COMPOSIO_SEARCH_TOOLS returned, to keep one workflow together.' };

/** Fields Composio's meta-tools accept beyond Switchboard's: accepted, and dropped before the work. */
const extraProperties: Record<MetaToolName, Record<string, unknown>> = {
  search_tools: {
    session: {
      type: 'object',
      properties: { id: { type: 'string' }, generate_id: { type: 'boolean' } },
      additionalProperties: false,
      description: '{generate_id: true} for a new workflow, {id} to continue one.',
    },
    model: { type: 'string', description: 'The calling model, e.g. "gpt-5".' },
  },
  get_tool_schemas: {
    include: { type: 'array', items: { enum: ['input_schema', 'output_schema'] } },
    session_id: sessionIdProperty,
  },
  manage_connections: { session_id: sessionIdProperty },
  wait_for_connections: { session_id: sessionIdProperty },
  multi_execute_tool: {
    sync_response_to_workbench: { type: 'boolean', description: 'Large results are stored and previewed either way.' },
    current_step: { type: 'string' },
    current_step_metric: { type: 'string' },
    session_id: sessionIdProperty,
  },
  read_stored_result: {},
};

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function withoutKeys(args: unknown, keys: readonly string[]): unknown {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return args;
  return Object.fromEntries(Object.entries(args).filter(([key]) => !keys.includes(key)));
}

/** A correlation id for one agent workflow, as COMPOSIO_SEARCH_TOOLS hands out. */
function workflowId(args: unknown): { id: string; generated: boolean } {
  const given = record(record(args).session).id;
  if (typeof given === 'string' && given) return { id: given, generated: false };
  const sessionId = record(args).session_id;
  if (typeof sessionId === 'string' && sessionId) return { id: sessionId, generated: false };
  return { id: newId('wf'), generated: true };
}

interface OurSearchResult {
  results: {
    index: number;
    use_case: string;
    tools: { tool_slug: string; toolkit: string; description: string; input_schema: unknown; connected: boolean; why?: string[] }[];
    plan_hint?: string;
  }[];
  toolkit_connection_statuses: { toolkit: string; name: string; needs_connection: boolean; connected: boolean; status: string | null }[];
  next_steps: string;
}

/** Switchboard's search result in the shape of Composio's (REST `search` and COMPOSIO_SEARCH_TOOLS). */
export function composioSearchResult(ours: OurSearchResult, args: unknown) {
  const workflow = workflowId(args);
  const now = new Date();
  const schemas: Record<string, unknown> = {};
  for (const result of ours.results) {
    for (const tool of result.tools) {
      schemas[tool.tool_slug] = { tool_slug: tool.tool_slug, toolkit: tool.toolkit, description: tool.description, input_schema: tool.input_schema };
    }
  }
  return {
    success: true,
    error: null,
    results: ours.results.map((result) => ({
      index: result.index,
      use_case: result.use_case,
      primary_tool_slugs: result.tools.slice(0, 3).map((tool) => tool.tool_slug),
      related_tool_slugs: result.tools.slice(3).map((tool) => tool.tool_slug),
      toolkits: [...new Set(result.tools.map((tool) => tool.toolkit))],
      reasoning: result.tools.length
        ? result.tools
            .slice(0, 3)
            .map((tool) => `${tool.tool_slug}: ${tool.why?.join(', ') || 'matched the query'}`)
            .join('; ')
        : 'No tool this session may use matches this use case.',
      ...(result.plan_hint ? { recommended_plan_steps: [result.plan_hint] } : {}),
      ...(result.tools.length === 0 ? { error: 'No matching tools.' } : {}),
    })),
    tool_schemas: schemas,
    toolkit_connection_statuses: ours.toolkit_connection_statuses.map((state) => ({
      toolkit: state.toolkit,
      description: state.name,
      has_active_connection: state.connected,
      connection_details: { status: state.status },
      status_message: !state.needs_connection
        ? `${state.name} needs no connection.`
        : state.connected
          ? `${state.name} is connected.`
          : `${state.name} is not connected: call COMPOSIO_MANAGE_CONNECTIONS.`,
    })),
    time_info: {
      current_time_utc: now.toISOString(),
      current_time_utc_epoch_seconds: Math.floor(now.getTime() / 1000),
      message: 'The current time, for tools that take dates.',
    },
    session: {
      id: workflow.id,
      generate_id: workflow.generated,
      instructions: `Pass session_id "${workflow.id}" to the other COMPOSIO_ meta-tools in this workflow.`,
    },
    next_steps_guidance: [
      ours.next_steps.replace('manage_connections', 'COMPOSIO_MANAGE_CONNECTIONS').replace('multi_execute_tool', 'COMPOSIO_MULTI_EXECUTE_TOOL'),
    ],
  };
}

const waitStatus = (state: Record<string, unknown>): string => {
  if (state.connected) return 'ACTIVE';
  const status = typeof state.status === 'string' ? state.status : '';
  if (status === 'FAILED' || status === 'EXPIRED') return 'FAILED';
  return status ? 'INITIATED' : 'NOT_FOUND';
};

function composioData(name: MetaToolName, data: unknown, args: unknown): unknown {
  const ours = record(data);
  const workflow = { id: workflowId(args).id };
  switch (name) {
    case 'search_tools':
      return composioSearchResult(data as OurSearchResult, args);
    case 'get_tool_schemas': {
      const missing = Array.isArray(ours.not_found) ? (ours.not_found as string[]) : [];
      return {
        success: missing.length === 0,
        ...ours,
        ...(missing.length > 0
          ? { not_found_message: `Unknown tool slugs: ${missing.join(', ')}. Use slugs from COMPOSIO_SEARCH_TOOLS; never invent them.` }
          : {}),
        session: workflow,
      };
    }
    case 'manage_connections': {
      const summary = record(ours.summary);
      return {
        message: `${summary.active_connections ?? 0} active, ${summary.initiated_connections ?? 0} waiting for the user, ${summary.failed_connections ?? 0} failed.`,
        ...ours,
        session: workflow,
      };
    }
    case 'wait_for_connections':
      return {
        message: ours.message,
        results: Object.fromEntries(
          Object.entries(record(ours.results)).map(([toolkit, state]) => {
            const value = record(state);
            return [
              toolkit,
              { toolkit, status: waitStatus(value), has_active_connection: Boolean(value.connected), connected_account_id: value.connected_account_id ?? null },
            ];
          }),
        ),
        session: workflow,
      };
    default:
      return { ...ours, session: workflow };
  }
}

/** Composio's meta-tool names, schemas and `{data, error, successful}` results over Switchboard's meta-tools. */
export const composioDialect: MetaToolDialect = {
  present(descriptor: MetaToolDescriptor): ListedTool {
    const schema = descriptor.inputSchema as { properties?: Record<string, unknown> };
    return {
      name: composioMetaToolNames[descriptor.name],
      title: descriptor.title,
      description: descriptor.description
        .replaceAll('search_tools', 'COMPOSIO_SEARCH_TOOLS')
        .replaceAll('wait_for_connections', 'COMPOSIO_WAIT_FOR_CONNECTIONS')
        .replaceAll('multi_execute_tool', 'COMPOSIO_MULTI_EXECUTE_TOOL'),
      inputSchema: { ...descriptor.inputSchema, properties: { ...schema.properties, ...extraProperties[descriptor.name] } },
      annotations: { ...descriptor.annotations },
    };
  },
  resolve: (name) => byComposioName.get(name),
  input(name, args) {
    const stripped = withoutKeys(args, Object.keys(extraProperties[name]));
    // Composio waits for any of the toolkits unless told otherwise.
    if (name === 'wait_for_connections' && stripped && typeof stripped === 'object' && !('mode' in stripped)) return { ...stripped, mode: 'any' };
    return stripped;
  },
  output(name, outcome, _context: SessionContext, args?: unknown) {
    if (outcome.isError) {
      const failure = record(outcome.data);
      return { data: {}, error: typeof failure.error === 'string' ? failure.error : 'The call failed.', successful: false };
    }
    return { data: composioData(name, outcome.data, args), error: null, successful: true };
  },
};
