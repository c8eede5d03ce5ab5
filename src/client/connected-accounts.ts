import { compact, type HttpClient, path, type RequestOptions } from './http.js';
import { type Page, type PageParams, paginate, toPage, type WirePage } from './pagination.js';

/** INITIATED (a link is out) → ACTIVE, or FAILED (sign-in failed), EXPIRED (link unused, grant revoked), DISABLED (by you). */
export type ConnectedAccountStatus = 'INITIATED' | 'ACTIVE' | 'FAILED' | 'EXPIRED' | 'DISABLED';

/** A user's connection to a toolkit. Credentials are write-only: only masked hints come back. */
export interface ConnectedAccount {
  /** `ca_…` */
  id: string;
  userId: string;
  toolkit: string;
  authScheme: string;
  authConfigId: string | null;
  status: ConnectedAccountStatus;
  /** Why the account is FAILED, EXPIRED or DISABLED. */
  statusReason: string | null;
  alias: string | null;
  /** The user's default account for its toolkit (the one calls use unless told otherwise). */
  isDefault: boolean;
  baseUrl: string | null;
  /** Masked hints (`••••1234`) and plain non-secret fields, keyed by the toolkit's field names. */
  credentialHints: Record<string, string>;
  /** OAuth accounts: when the current access token expires (ISO 8601). */
  tokenExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
}

export interface WireConnectedAccount {
  id: string;
  user_id: string;
  toolkit: string;
  auth_scheme: string;
  auth_config_id: string | null;
  status: ConnectedAccountStatus;
  status_reason: string | null;
  alias: string | null;
  is_default: boolean;
  base_url: string | null;
  credential_hints: Record<string, string>;
  token_expires_at: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export function connectedAccountFromWire(wire: WireConnectedAccount): ConnectedAccount {
  return {
    id: wire.id,
    userId: wire.user_id,
    toolkit: wire.toolkit,
    authScheme: wire.auth_scheme,
    authConfigId: wire.auth_config_id,
    status: wire.status,
    statusReason: wire.status_reason,
    alias: wire.alias,
    isDefault: wire.is_default,
    baseUrl: wire.base_url,
    credentialHints: wire.credential_hints,
    tokenExpiresAt: wire.token_expires_at,
    createdAt: wire.created_at,
    updatedAt: wire.updated_at,
    lastUsedAt: wire.last_used_at,
  };
}

export interface ListConnectedAccountsParams extends PageParams {
  userId?: string | undefined;
  toolkit?: string | undefined;
  status?: ConnectedAccountStatus | undefined;
  authConfigId?: string | undefined;
}

/** Credentials a developer already has, stored without a connect link. For a person, use a connect link instead. */
export interface CreateConnectedAccountParams {
  /** The end user; a user-bound key may leave it out. */
  userId?: string | undefined;
  toolkit: string;
  /** Connect through this auth config (its scheme and tool allow-list apply); required for OAuth client credentials. */
  authConfigId?: string | undefined;
  authScheme?: 'none' | 'api_key' | 'basic' | 'bearer' | undefined;
  /** Keyed by the toolkit's field names (e.g. `{ email, api_token }` for Bitbucket), sent as given. Write-only. */
  credentials?: Record<string, unknown> | undefined;
  baseUrl?: string | undefined;
  /** Values of the toolkit's server variables, keyed by variable name. */
  serverUrls?: Record<string, string> | undefined;
  alias?: string | undefined;
}

export interface UpdateConnectedAccountParams {
  /** A new name; `null` removes it. */
  alias?: string | null | undefined;
  /** `true` makes this the user's default account for its toolkit. */
  isDefault?: true | undefined;
}

/** `/v1/connected-accounts`: users' connections, their status, default and alias. */
export class ConnectedAccounts {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** One page of accounts, filtered by user, toolkit, status or auth config. A user-bound key sees only its user's. */
  async list(params: ListConnectedAccountsParams = {}, options?: RequestOptions): Promise<Page<ConnectedAccount>> {
    const page = await this.#http.get<WirePage<WireConnectedAccount>>(
      '/v1/connected-accounts',
      {
        user_id: params.userId,
        toolkit: params.toolkit,
        status: params.status,
        auth_config_id: params.authConfigId,
        limit: params.limit,
        cursor: params.cursor,
      },
      options,
    );
    return toPage(page, connectedAccountFromWire);
  }

  /** Every matching account, page after page. */
  listAll(params: Omit<ListConnectedAccountsParams, 'cursor'> = {}, options?: RequestOptions): AsyncGenerator<ConnectedAccount, void, undefined> {
    return paginate((cursor) => this.list({ ...params, cursor }, options));
  }

  /** Stores credentials you already have as an ACTIVE account (or connects a client-credentials service account). */
  async create(params: CreateConnectedAccountParams, options?: RequestOptions): Promise<ConnectedAccount> {
    const body = compact({
      user_id: params.userId,
      toolkit: params.toolkit,
      auth_config_id: params.authConfigId,
      auth_scheme: params.authScheme,
      credentials: params.credentials,
      base_url: params.baseUrl,
      server_urls: params.serverUrls,
      alias: params.alias,
    });
    return connectedAccountFromWire(await this.#http.post<WireConnectedAccount>('/v1/connected-accounts', body, options));
  }

  async get(id: string, options?: RequestOptions): Promise<ConnectedAccount> {
    return connectedAccountFromWire(await this.#http.get<WireConnectedAccount>(path`/v1/connected-accounts/${id}`, undefined, options));
  }

  /** Renames the account or makes it the user's default. */
  async update(id: string, params: UpdateConnectedAccountParams, options?: RequestOptions): Promise<ConnectedAccount> {
    const body = compact({ alias: params.alias, is_default: params.isDefault });
    return connectedAccountFromWire(await this.#http.patch<WireConnectedAccount>(path`/v1/connected-accounts/${id}`, body, options));
  }

  /** Enables a disabled account. */
  async enable(id: string, options?: RequestOptions): Promise<ConnectedAccount> {
    return connectedAccountFromWire(await this.#http.post<WireConnectedAccount>(path`/v1/connected-accounts/${id}/enable`, undefined, options));
  }

  /** Disables an account: it keeps its credentials but runs no tools until enabled. */
  async disable(id: string, options?: RequestOptions): Promise<ConnectedAccount> {
    return connectedAccountFromWire(await this.#http.post<WireConnectedAccount>(path`/v1/connected-accounts/${id}/disable`, undefined, options));
  }

  /** OAuth accounts: gets a new access token now. A refused refresh marks the account EXPIRED (`SwitchboardNotConnectedError`). */
  async refresh(id: string, options?: RequestOptions): Promise<ConnectedAccount> {
    return connectedAccountFromWire(await this.#http.post<WireConnectedAccount>(path`/v1/connected-accounts/${id}/refresh`, undefined, options));
  }

  /** Deletes the account and its credentials (OAuth tokens are revoked at the provider when it supports it). */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.delete(path`/v1/connected-accounts/${id}`, options);
  }
}
