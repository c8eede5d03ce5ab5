import { compact, type HttpClient, path, type RequestOptions } from './http.js';
import { type Page, type PageParams, paginate, toPage, type WirePage } from './pagination.js';

export type AuthConfigScheme = 'none' | 'api_key' | 'basic' | 'bearer' | 'oauth2_authorization_code' | 'oauth2_client_credentials';

/** How a project's users connect a toolkit: the scheme, your own OAuth client, scopes, a tool allow-list. */
export interface AuthConfig {
  /** `ac_…` */
  id: string;
  toolkit: string;
  name: string;
  scheme: AuthConfigScheme;
  clientId: string | null;
  /** Masked; the secret itself is write-only. */
  clientSecretHint: string | null;
  scopes: string[];
  /** Only these tools may run with accounts of this config; `null` allows all. */
  allowedTools: string[] | null;
  authorizationUrl: string | null;
  tokenUrl: string | null;
  revocationUrl: string | null;
  /** OAuth configs: the callback URL to register in your OAuth app. */
  redirectUri: string | null;
  /** Base URL new accounts of this config call; `null`: the toolkit's. */
  baseUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

interface WireAuthConfig {
  id: string;
  toolkit: string;
  name: string;
  scheme: AuthConfigScheme;
  client_id: string | null;
  client_secret_hint: string | null;
  scopes: string[];
  allowed_tools: string[] | null;
  authorization_url: string | null;
  token_url: string | null;
  revocation_url: string | null;
  redirect_uri: string | null;
  base_url: string | null;
  created_at: string;
  updated_at: string;
}

function authConfigFromWire(wire: WireAuthConfig): AuthConfig {
  return {
    id: wire.id,
    toolkit: wire.toolkit,
    name: wire.name,
    scheme: wire.scheme,
    clientId: wire.client_id,
    clientSecretHint: wire.client_secret_hint,
    scopes: wire.scopes,
    allowedTools: wire.allowed_tools,
    authorizationUrl: wire.authorization_url,
    tokenUrl: wire.token_url,
    revocationUrl: wire.revocation_url,
    redirectUri: wire.redirect_uri,
    baseUrl: wire.base_url,
    createdAt: wire.created_at,
    updatedAt: wire.updated_at,
  };
}

export interface CreateAuthConfigParams {
  toolkit: string;
  name?: string | undefined;
  /** Default: the toolkit's first scheme. */
  scheme?: AuthConfigScheme | undefined;
  clientId?: string | undefined;
  /** Write-only: sealed on the server, only a masked hint comes back. */
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  allowedTools?: string[] | undefined;
  /** Base URL for accounts connected through this config (a region or a self-hosted server). */
  baseUrl?: string | undefined;
  /** OAuth endpoint overrides, for self-hosted providers. */
  authorizationUrl?: string | undefined;
  tokenUrl?: string | undefined;
  revocationUrl?: string | undefined;
}

/** Fields to change; `null` clears the optional ones (back to the toolkit's value). */
export interface UpdateAuthConfigParams {
  name?: string | undefined;
  clientId?: string | undefined;
  /** Replaces the stored secret. */
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  allowedTools?: string[] | null | undefined;
  baseUrl?: string | null | undefined;
  authorizationUrl?: string | null | undefined;
  tokenUrl?: string | null | undefined;
  revocationUrl?: string | null | undefined;
}

export interface ListAuthConfigsParams extends PageParams {
  toolkit?: string | undefined;
}

/** `/v1/auth-configs` (creating, changing and deleting needs a key with the `manage` scope). */
export class AuthConfigs {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  async list(params: ListAuthConfigsParams = {}, options?: RequestOptions): Promise<Page<AuthConfig>> {
    const page = await this.#http.get<WirePage<WireAuthConfig>>(
      '/v1/auth-configs',
      { toolkit: params.toolkit, limit: params.limit, cursor: params.cursor },
      options,
    );
    return toPage(page, authConfigFromWire);
  }

  /** Every matching auth config, page after page. */
  listAll(params: Omit<ListAuthConfigsParams, 'cursor'> = {}, options?: RequestOptions): AsyncGenerator<AuthConfig, void, undefined> {
    return paginate((cursor) => this.list({ ...params, cursor }, options));
  }

  async create(params: CreateAuthConfigParams, options?: RequestOptions): Promise<AuthConfig> {
    const body = compact({
      toolkit: params.toolkit,
      name: params.name,
      scheme: params.scheme,
      client_id: params.clientId,
      client_secret: params.clientSecret,
      scopes: params.scopes,
      allowed_tools: params.allowedTools,
      base_url: params.baseUrl,
      authorization_url: params.authorizationUrl,
      token_url: params.tokenUrl,
      revocation_url: params.revocationUrl,
    });
    return authConfigFromWire(await this.#http.post<WireAuthConfig>('/v1/auth-configs', body, options));
  }

  async get(id: string, options?: RequestOptions): Promise<AuthConfig> {
    return authConfigFromWire(await this.#http.get<WireAuthConfig>(path`/v1/auth-configs/${id}`, undefined, options));
  }

  async update(id: string, params: UpdateAuthConfigParams, options?: RequestOptions): Promise<AuthConfig> {
    const body = compact({
      name: params.name,
      client_id: params.clientId,
      client_secret: params.clientSecret,
      scopes: params.scopes,
      allowed_tools: params.allowedTools,
      base_url: params.baseUrl,
      authorization_url: params.authorizationUrl,
      token_url: params.tokenUrl,
      revocation_url: params.revocationUrl,
    });
    return authConfigFromWire(await this.#http.patch<WireAuthConfig>(path`/v1/auth-configs/${id}`, body, options));
  }

  /** Deletes the config; one that accounts still use answers `SwitchboardConflictError` (saying how many). */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.delete(path`/v1/auth-configs/${id}`, options);
  }
}
