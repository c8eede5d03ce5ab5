import { z } from 'zod';
import type { ConnectedAccountService, ConnectedAccountStatus, ConnectedAccountView, ConnectLinkView } from '../../auth/index.js';
import { SwitchboardError } from '../../errors.js';
import type { Principal } from '../../tenancy/index.js';
import { unsupportedOption } from './errors.js';
import { type ComposioPage, composioPage, listParam, pageLimit } from './pages.js';

/** Composio's account statuses for Switchboard's (REVOKED has no counterpart: a revoked account is deleted). */
const composioStatusOf: Record<ConnectedAccountStatus, string> = {
  INITIATED: 'INITIATED',
  ACTIVE: 'ACTIVE',
  FAILED: 'FAILED',
  EXPIRED: 'EXPIRED',
  DISABLED: 'INACTIVE',
};

const ourStatusesOf: Record<string, ConnectedAccountStatus[]> = {
  INITIALIZING: ['INITIATED'],
  INITIATED: ['INITIATED'],
  ACTIVE: ['ACTIVE'],
  FAILED: ['FAILED'],
  EXPIRED: ['EXPIRED'],
  INACTIVE: ['DISABLED'],
  REVOKED: [],
};

const accountSchemeOf: Record<string, string> = { none: 'NO_AUTH', api_key: 'API_KEY', basic: 'BASIC', bearer: 'BEARER_TOKEN', oauth2: 'OAUTH2' };

/**
 * An account in Composio's shape. Credentials are write-only in Switchboard, so `state.val` and
 * `data` carry the status (and base URL) but never a secret; `auth_config.id` is empty for an
 * account connected without an auth config.
 */
export function composioAccount(account: ConnectedAccountView) {
  const status = composioStatusOf[account.status];
  const authScheme = accountSchemeOf[account.auth_scheme] ?? account.auth_scheme.toUpperCase();
  const val = { status, ...(account.base_url ? { base_url: account.base_url } : {}) };
  return {
    id: account.id,
    user_id: account.user_id,
    status,
    status_reason: account.status_reason,
    alias: account.alias,
    is_disabled: account.status === 'DISABLED',
    toolkit: { slug: account.toolkit },
    auth_config: { id: account.auth_config_id ?? '', auth_scheme: authScheme, is_composio_managed: false, is_disabled: false },
    state: { authScheme, val },
    data: val,
    params: {},
    created_at: account.created_at,
    updated_at: account.updated_at,
  };
}

export const accountsQuerySchema = z
  .object({
    user_ids: z.union([z.string(), z.array(z.string())]).optional(),
    toolkit_slugs: z.union([z.string(), z.array(z.string())]).optional(),
    statuses: z.union([z.string(), z.array(z.string())]).optional(),
    auth_config_ids: z.union([z.string(), z.array(z.string())]).optional(),
    connected_account_ids: z.union([z.string(), z.array(z.string())]).optional(),
    order_by: z.enum(['created_at', 'updated_at']).optional(),
    order_direction: z.enum(['asc', 'desc']).optional(),
    account_type: z.enum(['PRIVATE', 'SHARED', 'ALL']).optional(),
    limit: z.string().optional(),
    cursor: z.string().optional(),
  })
  .strict();
export type ComposioAccountsQuery = z.infer<typeof accountsQuerySchema>;

/** More than this many matching accounts is refused: Composio's multi-valued filters are gathered whole. */
const gatherLimit = 5000;

/**
 * Composio's multi-valued account filters over the service's single-valued list (which keeps its
 * tenancy rules: a user-bound key sees only its user and is refused another's).
 */
export async function listComposioAccounts(
  accounts: ConnectedAccountService,
  principal: Principal,
  query: ComposioAccountsQuery,
): Promise<ComposioPage<ReturnType<typeof composioAccount>>> {
  if (query.order_by === 'updated_at') throw unsupportedOption('order_by=updated_at', 'accounts are listed by creation time.');
  const statuses = listParam(query.statuses);
  const unknown = statuses?.find((status) => !(status in ourStatusesOf));
  if (unknown) throw new SwitchboardError('VALIDATION_FAILED', `Unknown status ${unknown}.`, { field: 'statuses' });
  const wanted = statuses ? new Set(statuses.flatMap((status) => ourStatusesOf[status]!)) : undefined;
  const ids = listParam(query.connected_account_ids);
  const found = new Map<string, ConnectedAccountView>();
  // Switchboard has no shared accounts: every account is PRIVATE.
  if (query.account_type !== 'SHARED') {
    for (const user of listParam(query.user_ids) ?? [undefined]) {
      for (const toolkit of listParam(query.toolkit_slugs) ?? [undefined]) {
        for (const authConfig of listParam(query.auth_config_ids) ?? [undefined]) {
          let cursor: string | undefined;
          do {
            const page = await accounts.list(principal, { user_id: user, toolkit, auth_config_id: authConfig, limit: 200, cursor });
            for (const item of page.items) {
              if ((!wanted || wanted.has(item.status)) && (!ids || ids.includes(item.id))) found.set(item.id, item);
            }
            if (found.size > gatherLimit) {
              throw new SwitchboardError(
                'VALIDATION_FAILED',
                `More than ${gatherLimit} accounts match; narrow the list with user_ids, toolkit_slugs or statuses.`,
                {
                  field: 'user_ids',
                },
              );
            }
            cursor = page.next_cursor ?? undefined;
          } while (cursor);
        }
      }
    }
  }
  const ordered = [...found.values()].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  if (query.order_direction === 'desc') ordered.reverse();
  return composioPage(ordered.map(composioAccount), pageLimit(query.limit, 100), query.cursor);
}

/** The body of POST /connected_accounts/link. */
export const linkBodySchema = z
  .object({
    auth_config_id: z.string().min(1).max(64),
    user_id: z.string().min(1),
    callback_url: z.string().optional(),
    alias: z.string().optional(),
    connection_data: z.record(z.string(), z.unknown()).optional(),
    experimental: z.object({ account_type: z.enum(['PRIVATE', 'SHARED']).optional(), acl_config_for_shared: z.unknown().optional() }).optional(),
  })
  .strict();
export type ComposioLinkBody = z.infer<typeof linkBodySchema>;

/** Switchboard's connect-link input for Composio's link request, once the auth config's toolkit is known. */
export function toConnectLinkInput(body: ComposioLinkBody, toolkit: string) {
  if (body.connection_data !== undefined) {
    throw unsupportedOption('connection_data', 'the person connecting types every value on the hosted connect page.');
  }
  if (body.experimental?.account_type === 'SHARED' || body.experimental?.acl_config_for_shared !== undefined) {
    throw unsupportedOption('experimental.account_type', 'every account belongs to one user; shared accounts are not implemented.');
  }
  return {
    user_id: body.user_id,
    toolkit,
    auth_config_id: body.auth_config_id,
    ...(body.callback_url ? { callback_url: body.callback_url } : {}),
    ...(body.alias ? { alias: body.alias } : {}),
  };
}

/** The hint for an SDK that names an auth config Switchboard does not have. */
export function unknownAuthConfig(id: string): SwitchboardError {
  return new SwitchboardError(
    'NOT_FOUND',
    `Auth config ${id} was not found. Switchboard's auth config ids start with ac_: list them with composio.auth_configs.list(toolkit_slug=…), or create one with composio.auth_configs.create(toolkit, {"type": "use_custom_auth", "auth_scheme": "API_KEY"}) (for OAuth toolkits pass your OAuth app's client_id and client_secret in credentials).`,
    { auth_config_id: id },
  );
}

export function composioLinkResponse(link: ConnectLinkView) {
  return { link_token: link.link_token, redirect_url: link.redirect_url, connected_account_id: link.connected_account_id, expires_at: link.expires_at };
}

const accountTypeSchema = z.object({ account_type: z.enum(['PRIVATE', 'SHARED']).optional(), acl_config_for_shared: z.unknown().optional() });

/**
 * The body of POST /connected_accounts (the SDKs' `connected_accounts.initiate` and
 * `toolkits.authorize`). `connection.state` is Composio's `{authScheme, val: {status, …}}`; the
 * Python SDK's own field name `auth_scheme` is accepted too.
 */
export const initiateBodySchema = z
  .object({
    auth_config: z.object({ id: z.string().min(1).max(64) }).strict(),
    connection: z
      .object({
        user_id: z.string().min(1).optional(),
        callback_url: z.string().optional(),
        redirect_uri: z.string().optional(),
        alias: z.string().optional(),
        state: z
          .object({ authScheme: z.string().optional(), auth_scheme: z.string().optional(), val: z.record(z.string(), z.unknown()).optional() })
          .strict()
          .optional(),
        data: z.record(z.string(), z.unknown()).optional(),
        deprecated_is_v1_rerouted: z.boolean().optional(),
        experimental: accountTypeSchema.strict().optional(),
      })
      .strict(),
    validate_credentials: z.boolean().optional(),
  })
  .strict();
export type ComposioInitiateBody = z.infer<typeof initiateBodySchema>;

/** The Composio schemes whose credentials a caller may post; the value is Switchboard's scheme. */
const typedInSchemes: Record<string, string> = { API_KEY: 'api_key', BASIC: 'basic', BEARER_TOKEN: 'bearer' };

/**
 * What Composio's create request asks of Switchboard: without credentials (no `state`, or a state
 * still INITIALIZING / INITIATED) a connect link to the hosted page; with credentials for a typed-in
 * scheme (state ACTIVE) the account itself. Switchboard's schemas then check the input.
 */
export function toInitiatePlan(
  body: ComposioInitiateBody,
  config: { id: string; toolkit: string; scheme: string },
): { kind: 'link'; input: Record<string, unknown> } | { kind: 'account'; input: Record<string, unknown> } {
  const connection = body.connection;
  if (body.validate_credentials) {
    throw unsupportedOption('validate_credentials', 'Switchboard does not test credentials against the toolkit when an account is created.');
  }
  if (connection.data !== undefined) throw unsupportedOption('connection.data', 'pass the credentials in connection.state.val.');
  if (connection.deprecated_is_v1_rerouted !== undefined) {
    throw unsupportedOption('connection.deprecated_is_v1_rerouted', "Composio's v1 rerouting has no counterpart.");
  }
  if (connection.experimental?.account_type === 'SHARED' || connection.experimental?.acl_config_for_shared !== undefined) {
    throw unsupportedOption('connection.experimental.account_type', 'every account belongs to one user; shared accounts are not implemented.');
  }
  if (connection.callback_url && connection.redirect_uri && connection.callback_url !== connection.redirect_uri) {
    throw new SwitchboardError('VALIDATION_FAILED', 'connection.redirect_uri (deprecated) and connection.callback_url differ; pass callback_url only.', {
      field: 'connection.redirect_uri',
    });
  }
  const callbackUrl = connection.callback_url ?? connection.redirect_uri;
  const state = connection.state;
  const named = state?.authScheme ?? state?.auth_scheme;
  if (named !== undefined && named !== config.scheme) {
    throw new SwitchboardError('VALIDATION_FAILED', `connection.state.authScheme is ${named}, but auth config ${config.id} uses ${config.scheme}.`, {
      field: 'connection.state.authScheme',
    });
  }
  const { status, base_url: baseUrl, ...values } = state?.val ?? {};
  if (status !== undefined && !['INITIALIZING', 'INITIATED', 'ACTIVE'].includes(String(status))) {
    throw unsupportedOption(
      `connection.state.val.status=${String(status)}`,
      'a new account is either ACTIVE (its credentials given) or INITIATED (connected on the hosted page).',
    );
  }
  if (baseUrl !== undefined && typeof baseUrl !== 'string') {
    throw new SwitchboardError('VALIDATION_FAILED', 'connection.state.val.base_url must be a string.', { field: 'connection.state.val.base_url' });
  }
  const shared = {
    ...(connection.user_id ? { user_id: connection.user_id } : {}),
    toolkit: config.toolkit,
    auth_config_id: config.id,
    ...(connection.alias ? { alias: connection.alias } : {}),
    ...(baseUrl ? { base_url: baseUrl } : {}),
  };
  if (status === 'ACTIVE') {
    if (!typedInSchemes[config.scheme]) {
      throw unsupportedOption(
        `connection.state.val.status=ACTIVE with ${config.scheme}`,
        `credentials can be posted only for ${Object.keys(typedInSchemes).join(', ')}; leave out connection.state and the user connects on the hosted page (redirect_url).`,
      );
    }
    if (callbackUrl) {
      throw unsupportedOption('connection.callback_url', 'an account created with its credentials is ACTIVE at once; no one is redirected.');
    }
    return { kind: 'account', input: { ...shared, credentials: values } };
  }
  const prefilled = Object.keys(values)[0];
  if (prefilled) {
    throw unsupportedOption(
      `connection.state.val.${prefilled}`,
      'the person connecting types every value on the hosted connect page; to connect at once, pass the credentials with status ACTIVE.',
    );
  }
  return { kind: 'link', input: { ...shared, ...(callbackUrl ? { callback_url: callbackUrl } : {}) } };
}

/**
 * Composio's create response. `connectionData.val` never carries a secret; its redirect URL is
 * under both spellings the SDKs read (TypeScript `redirectUrl`, Python `redirect_url`).
 */
export function composioInitiated(created: {
  id: string;
  status: string;
  redirect_url: string | null;
  auth_config_id: string;
  scheme: string;
  base_url?: string | null;
}) {
  const redirect = created.redirect_url ? { redirectUrl: created.redirect_url, redirect_url: created.redirect_url } : {};
  return {
    id: created.id,
    status: created.status,
    redirect_url: created.redirect_url,
    redirect_uri: created.redirect_url,
    connectionData: { authScheme: created.scheme, val: { status: created.status, ...redirect, ...(created.base_url ? { base_url: created.base_url } : {}) } },
    deprecated: { uuid: created.id, authConfigUuid: created.auth_config_id },
  };
}

/** The status Composio shows for one of Switchboard's. */
export const composioStatus = (status: ConnectedAccountStatus): string => composioStatusOf[status];
