import type { ConnectedAccount, ConnectedAccountStatus, ConnectedAccounts } from './connected-accounts.js';
import { compact, type HttpClient, type RequestOptions } from './http.js';

/** The wire shape of a connect link (`POST /v1/connect-links`, `POST /v1/sessions/{id}/link`). */
export interface WireConnectLink {
  link_token: string;
  redirect_url: string;
  connected_account_id: string;
  toolkit: string;
  auth_scheme: string;
  auth_config_id: string | null;
  expires_at: string;
}

export interface WaitForConnectionOptions {
  /** How long to wait in all (default 60 000 ms). */
  timeoutMs?: number | undefined;
  /** How often to look at the account (default 1000 ms). */
  pollIntervalMs?: number | undefined;
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** The connection did not finish as ACTIVE: the sign-in failed, the link expired, or the account was disabled. */
export class SwitchboardConnectionFailedError extends Error {
  override readonly name = 'SwitchboardConnectionFailedError';
  readonly account: ConnectedAccount;
  readonly status: ConnectedAccountStatus;

  constructor(account: ConnectedAccount) {
    super(`Connected account ${account.id} (${account.toolkit}) is ${account.status}${account.statusReason ? `: ${account.statusReason}` : ''}.`);
    this.account = account;
    this.status = account.status;
  }
}

/** The user did not finish connecting within `timeoutMs`; the link may still be used until it expires. */
export class SwitchboardConnectionTimeoutError extends Error {
  override readonly name = 'SwitchboardConnectionTimeoutError';
  /** The account as last seen. */
  readonly account: ConnectedAccount;
  readonly timeoutMs: number;

  constructor(account: ConnectedAccount, timeoutMs: number) {
    super(`Connected account ${account.id} (${account.toolkit}) is still ${account.status} after ${timeoutMs} ms; the user has not finished the connect link.`);
    this.account = account;
    this.timeoutMs = timeoutMs;
  }
}

/** The account state a reconnect link started from: the link is done when the account changes. */
interface Baseline {
  updatedAt: string;
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * A connect link sent out for a user: show them `redirectUrl` (the hosted connect page), then
 * `await request.waitForConnection()` until they finish.
 */
export class ConnectionRequest {
  /** `lt_…`, single use; only its hash is stored on the server. */
  readonly linkToken: string;
  /** The hosted connect page: open it in a browser. */
  readonly redirectUrl: string;
  /** The account the link connects: a new INITIATED one, or the existing one it reconnects. */
  readonly connectedAccountId: string;
  readonly toolkit: string;
  readonly authScheme: string;
  readonly authConfigId: string | null;
  /** When the link stops working (ISO 8601). */
  readonly expiresAt: string;
  readonly #accounts: ConnectedAccounts;
  readonly #baseline: Baseline | undefined;

  /** @internal Made by `session.authorize()` and `connectLinks.create()`. */
  constructor(wire: WireConnectLink, accounts: ConnectedAccounts, baseline?: Baseline) {
    this.linkToken = wire.link_token;
    this.redirectUrl = wire.redirect_url;
    this.connectedAccountId = wire.connected_account_id;
    this.toolkit = wire.toolkit;
    this.authScheme = wire.auth_scheme;
    this.authConfigId = wire.auth_config_id;
    this.expiresAt = wire.expires_at;
    this.#accounts = accounts;
    this.#baseline = baseline;
  }

  /** True when the link reconnects an account that existed before it (its status does not start at INITIATED). */
  get reconnect(): boolean {
    return this.#baseline !== undefined;
  }

  /**
   * Polls the connected account until the user finishes: resolves with the ACTIVE account; rejects
   * with `SwitchboardConnectionFailedError` when it becomes FAILED, EXPIRED or DISABLED, and with
   * `SwitchboardConnectionTimeoutError` after `timeoutMs`. For a reconnect link, only a change of
   * the account after the link was made counts.
   */
  async waitForConnection(options: WaitForConnectionOptions = {}): Promise<ConnectedAccount> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const pollIntervalMs = options.pollIntervalMs ?? 1000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const account = await this.#accounts.get(this.connectedAccountId, { signal: options.signal });
      const changed = !this.#baseline || account.updatedAt !== this.#baseline.updatedAt;
      if (changed && account.status === 'ACTIVE') return account;
      if (changed && account.status !== 'INITIATED') throw new SwitchboardConnectionFailedError(account);
      if (Date.now() >= deadline) throw new SwitchboardConnectionTimeoutError(account, timeoutMs);
      await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())), options.signal);
    }
  }
}

/** Makes the request object, noting where a reconnect starts from. */
export async function connectionRequest(wire: WireConnectLink, accounts: ConnectedAccounts, reconnect: boolean, options?: RequestOptions) {
  if (!reconnect) return new ConnectionRequest(wire, accounts);
  const account = await accounts.get(wire.connected_account_id, options);
  return new ConnectionRequest(wire, accounts, { updatedAt: account.updatedAt });
}

export interface CreateConnectLinkParams {
  /** The end user who will connect; a user-bound key may leave it out. */
  userId?: string | undefined;
  toolkit: string;
  /** Default: the project's most recent auth config for the toolkit. */
  authConfigId?: string | undefined;
  /** Without an auth config: which typed-in scheme the page asks for. */
  authScheme?: 'api_key' | 'basic' | 'bearer' | undefined;
  /** Reconnect this existing account (same id) instead of creating a new one. */
  connectedAccountId?: string | undefined;
  /** Where the person is sent when done; gets `?status=success|failed&connected_account_id=…`. */
  callbackUrl?: string | undefined;
  alias?: string | undefined;
  baseUrl?: string | undefined;
  /** Values of the toolkit's server variables, keyed by variable name. */
  serverUrls?: Record<string, string> | undefined;
  /** Seconds the link stays valid (60–86 400, default 1800). */
  expiresIn?: number | undefined;
}

/** `/v1/connect-links`: single-use URLs where a person connects an account on the hosted page. */
export class ConnectLinks {
  readonly #http: HttpClient;
  readonly #accounts: ConnectedAccounts;

  constructor(http: HttpClient, accounts: ConnectedAccounts) {
    this.#http = http;
    this.#accounts = accounts;
  }

  /** Creates a link; the account it names is INITIATED (or, when reconnecting, unchanged) until the person finishes. */
  async create(params: CreateConnectLinkParams, options?: RequestOptions): Promise<ConnectionRequest> {
    const body = compact({
      user_id: params.userId,
      toolkit: params.toolkit,
      auth_config_id: params.authConfigId,
      auth_scheme: params.authScheme,
      connected_account_id: params.connectedAccountId,
      callback_url: params.callbackUrl,
      alias: params.alias,
      base_url: params.baseUrl,
      server_urls: params.serverUrls,
      expires_in: params.expiresIn,
    });
    const wire = await this.#http.post<WireConnectLink>('/v1/connect-links', body, options);
    return connectionRequest(wire, this.#accounts, params.connectedAccountId !== undefined, options);
  }
}
