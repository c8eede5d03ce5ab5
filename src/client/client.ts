import { AuthConfigs } from './auth-configs.js';
import { ConnectLinks } from './connect-links.js';
import { ConnectedAccounts } from './connected-accounts.js';
import { HttpClient, type SwitchboardOptions } from './http.js';
import { Sessions } from './sessions.js';
import { Toolkits } from './toolkits.js';
import { Tools } from './tools.js';

/**
 * The Switchboard REST API from TypeScript.
 *
 * ```ts
 * const switchboard = new Switchboard({ apiKey: process.env.SWITCHBOARD_API_KEY, baseUrl: 'http://127.0.0.1:8080' });
 * const session = await switchboard.sessions.create('alice', { toolkits: ['bitbucket'] });
 * session.mcp; // { type: 'http', url, headers, tokenUrl }: hand it to an MCP client
 * ```
 *
 * Options fall back on `SWITCHBOARD_API_KEY` and `SWITCHBOARD_URL` (default `http://127.0.0.1:8080`).
 * Failed requests throw `SwitchboardApiError` (or a subclass); unreachable servers and timeouts
 * throw `SwitchboardNetworkError` / `SwitchboardTimeoutError`.
 */
export class Switchboard {
  /** Tool-router sessions: create, read, update (optimistically), delete; search, execute, authorize within one. */
  readonly sessions: Sessions;
  /** Users' connected accounts. */
  readonly connectedAccounts: ConnectedAccounts;
  /** Connect links for a person to connect an account. */
  readonly connectLinks: ConnectLinks;
  /** How the project's users connect each toolkit. */
  readonly authConfigs: AuthConfigs;
  /** The catalog of toolkits. */
  readonly toolkits: Toolkits;
  /** The catalog of tools, and direct execution for a user. */
  readonly tools: Tools;
  readonly #http: HttpClient;

  constructor(options: SwitchboardOptions = {}) {
    this.#http = new HttpClient(options);
    this.connectedAccounts = new ConnectedAccounts(this.#http);
    this.sessions = new Sessions(this.#http, this.connectedAccounts);
    this.connectLinks = new ConnectLinks(this.#http, this.connectedAccounts);
    this.authConfigs = new AuthConfigs(this.#http);
    this.toolkits = new Toolkits(this.#http);
    this.tools = new Tools(this.#http);
  }

  /** The base URL requests go to (without a trailing slash). */
  get baseUrl(): string {
    return this.#http.baseUrl;
  }
}
