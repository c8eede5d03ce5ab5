/** An allow-list (`['a', 'b']` or `{ enable: […] }`) or a deny-list (`{ disable: […] }`). */
export type ListPolicyInput = string[] | { enable: string[] } | { disable: string[] };

/** Tags tools must have (a list, or `enable`) and must not have (`disable`): MCP hints or a tool's own tags. */
export type TagPolicyInput = string[] | { enable?: string[] | undefined; disable?: string[] | undefined };

/**
 * A session's policy and behaviour, as you write it. Every field is optional: a session without
 * any sees every toolkit, in meta mode, with connection management on.
 */
export interface SessionConfigInput {
  /** Toolkits the session may use. Default: all. */
  toolkits?: ListPolicyInput | undefined;
  /** Per toolkit slug: tools to enable or disable, or tags its tools must (not) have. */
  tools?: Record<string, ListPolicyInput | { tags: TagPolicyInput }> | undefined;
  /** Tags (`readOnlyHint`, `destructiveHint`, `idempotentHint`, `openWorldHint`, or tool tags) tools must (not) have. */
  tags?: TagPolicyInput | undefined;
  /** Per toolkit slug: the auth config (`ac_…`) new connections use. */
  authConfigs?: Record<string, string> | undefined;
  /** Per toolkit slug: the connected account (`ca_…`) tool calls use. */
  connectedAccounts?: Record<string, string | [string]> | undefined;
  /** Offer `manage_connections` (connect links) and `wait_for_connections` to the agent; default on. */
  manageConnections?: boolean | { enable?: boolean | undefined; callbackUrl?: string | undefined; waitForConnections?: boolean | undefined } | undefined;
  /** `meta` (default): the agent sees the meta-tools; `direct`: it sees the allowed tools themselves. */
  mode?: 'meta' | 'direct' | undefined;
  /** In meta mode, also list these allowed tools directly (keep it small). */
  preload?: { tools: string[] | 'all' } | undefined;
  /** Only tools annotated `readOnlyHint` may run. */
  readOnly?: boolean | undefined;
  workbench?: { autoOffloadThreshold: number } | undefined;
}

/** Options of `sessions.create`: the policy, and how long the session lives. */
export interface CreateSessionConfig extends SessionConfigInput {
  /** Seconds until the session ends (60 s – 1 year); default: it does not expire. */
  expiresIn?: number | undefined;
}

/** A normalised list policy, as the server stores it. */
export type ListPolicy = { enabled: string[] } | { disabled: string[] };

export interface TagPolicy {
  enabled: string[];
  disabled: string[];
}

/** A session's stored policy: normalised by the server (`enabled`/`disabled` lists, one account per toolkit). */
export interface SessionConfig {
  /** `null`: every toolkit. */
  toolkits: ListPolicy | null;
  tools: Record<string, ListPolicy | { tags: TagPolicy }>;
  tags: TagPolicy;
  authConfigs: Record<string, string>;
  connectedAccounts: Record<string, string>;
  manageConnections: { enabled: boolean; callbackUrl: string | null; waitForConnections: boolean };
  mode: 'meta' | 'direct';
  preload: string[] | 'all';
  readOnly: boolean;
  workbench: { autoOffloadThreshold: number | null };
}

export interface WireSessionConfig {
  toolkits: ListPolicy | null;
  tools: Record<string, unknown>;
  tags: TagPolicy;
  auth_configs: Record<string, string>;
  connected_accounts: Record<string, string>;
  manage_connections: { enabled: boolean; callback_url: string | null; wait_for_connections: boolean };
  mode: 'meta' | 'direct';
  preload: string[] | 'all';
  read_only: boolean;
  workbench: { auto_offload_threshold: number | null };
}

function copyList(policy: ListPolicy): ListPolicy {
  return 'enabled' in policy ? { enabled: [...policy.enabled] } : { disabled: [...policy.disabled] };
}

function toolPolicyFromWire(value: unknown): ListPolicy | { tags: TagPolicy } {
  const policy = value as ListPolicy | { tags: TagPolicy };
  return 'tags' in policy ? { tags: { enabled: [...policy.tags.enabled], disabled: [...policy.tags.disabled] } } : copyList(policy);
}

export function sessionConfigFromWire(wire: WireSessionConfig): SessionConfig {
  return {
    toolkits: wire.toolkits ? copyList(wire.toolkits) : null,
    tools: Object.fromEntries(Object.entries(wire.tools).map(([toolkit, policy]) => [toolkit, toolPolicyFromWire(policy)])),
    tags: { enabled: [...wire.tags.enabled], disabled: [...wire.tags.disabled] },
    authConfigs: { ...wire.auth_configs },
    connectedAccounts: { ...wire.connected_accounts },
    manageConnections: {
      enabled: wire.manage_connections.enabled,
      callbackUrl: wire.manage_connections.callback_url,
      waitForConnections: wire.manage_connections.wait_for_connections,
    },
    mode: wire.mode,
    preload: wire.preload === 'all' ? 'all' : [...wire.preload],
    readOnly: wire.read_only,
    workbench: { autoOffloadThreshold: wire.workbench.auto_offload_threshold },
  };
}

function manageConnectionsToWire(value: SessionConfigInput['manageConnections']) {
  if (value === undefined || typeof value === 'boolean') return value;
  const wire: Record<string, unknown> = {};
  if (value.enable !== undefined) wire.enable = value.enable;
  if (value.callbackUrl !== undefined) wire.callback_url = value.callbackUrl;
  if (value.waitForConnections !== undefined) wire.wait_for_connections = value.waitForConnections;
  return wire;
}

/** The wire body of a policy: snake_case keys; toolkit and tool slugs, tags and ids are sent as given. */
export function sessionConfigToWire(config: SessionConfigInput): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    toolkits: config.toolkits,
    tools: config.tools,
    tags: config.tags,
    auth_configs: config.authConfigs,
    connected_accounts: config.connectedAccounts,
    manage_connections: manageConnectionsToWire(config.manageConnections),
    mode: config.mode,
    preload: config.preload,
    read_only: config.readOnly,
    workbench: config.workbench ? { auto_offload_threshold: config.workbench.autoOffloadThreshold } : undefined,
  };
  return Object.fromEntries(Object.entries(wire).filter(([, value]) => value !== undefined));
}
