import * as oauth from 'oauth4webapi';
import { SwitchboardError } from '../errors.js';
import type { OutboundClient } from '../outbound/index.js';

/** One OAuth 2 client as a project configured it: its app's credentials and the provider's endpoints. */
export interface OAuthClientConfig {
  clientId: string;
  clientSecret?: string | undefined;
  authorizationUrl?: string | undefined;
  tokenUrl: string;
  revocationUrl?: string | undefined;
  scopes: readonly string[];
}

/** Tokens as Switchboard keeps them (sealed in the connected account). */
export interface TokenSet {
  access_token: string;
  refresh_token?: string | undefined;
  /** Epoch milliseconds; absent when the provider gave no lifetime. */
  expires_at?: number | undefined;
  scope?: string | undefined;
}

const requestTimeoutMs = 15_000;

/** http is refused by oauth4webapi unless allowed: only loopback providers (development, tests) may use it. */
function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** OAuth endpoints must be https, except on loopback; checked when an auth config is saved. */
export function checkOAuthEndpoint(value: string, field: string): void {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url)))) {
    throw new SwitchboardError('VALIDATION_FAILED', `${field} must be an https URL (http only on loopback), not ${JSON.stringify(value)}.`, { field });
  }
}

/** Why a token request failed, in words a person can act on; `invalid_grant` means the grant is gone. */
function oauthFailure(error: unknown, what: string, host: string): SwitchboardError {
  if (error instanceof SwitchboardError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const description = typeof error.cause.error_description === 'string' ? `: ${error.cause.error_description.slice(0, 300)}` : '';
    return new SwitchboardError('OAUTH_FAILED', `${host} refused the ${what} (${error.error}${description}).`, {
      oauth_error: error.error,
      status: error.status,
    });
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    const description = error.error_description ? `: ${error.error_description.slice(0, 300)}` : '';
    return new SwitchboardError('OAUTH_FAILED', `${host} did not authorize the connection (${error.error}${description}).`, { oauth_error: error.error });
  }
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return new SwitchboardError('OAUTH_FAILED', `${host} answered the ${what} with something that is not a valid OAuth response (${error.message}).`, {
      oauth_error: 'invalid_response',
    });
  }
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new SwitchboardError('UPSTREAM_TIMEOUT', `${host} did not answer the ${what} within ${requestTimeoutMs / 1000} s; try again.`, { host });
  }
  return new SwitchboardError('UPSTREAM_UNAVAILABLE', `${host} could not be reached for the ${what}; try again.`, { host });
}

/** Token responses may carry an OpenID id_token; Switchboard wants API access only, so it is dropped unread. */
async function withoutIdToken(response: Response): Promise<Response> {
  if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return response;
  const body = (await response.json()) as Record<string, unknown>;
  delete body.id_token;
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
}

function toTokenSet(result: oauth.TokenEndpointResponse, previousRefreshToken?: string): TokenSet {
  return {
    access_token: result.access_token,
    // Providers that do not rotate refresh tokens return none on refresh: the old one stays valid.
    refresh_token: result.refresh_token ?? previousRefreshToken,
    expires_at: typeof result.expires_in === 'number' ? Date.now() + result.expires_in * 1000 : undefined,
    scope: result.scope,
  };
}

/** OAuth 2 client flows (authorization code with PKCE, refresh, client credentials, revocation) over the outbound client. */
export function createOAuthClient(outbound: OutboundClient) {
  function parts(config: OAuthClientConfig) {
    const token = new URL(config.tokenUrl);
    const as: oauth.AuthorizationServer = {
      issuer: token.origin,
      token_endpoint: config.tokenUrl,
      ...(config.authorizationUrl ? { authorization_endpoint: config.authorizationUrl } : {}),
      ...(config.revocationUrl ? { revocation_endpoint: config.revocationUrl } : {}),
    };
    const client: oauth.Client = { client_id: config.clientId };
    const authentication = config.clientSecret ? oauth.ClientSecretBasic(config.clientSecret) : oauth.None();
    const options = {
      [oauth.customFetch]: (url: string, init: RequestInit) => outbound.fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) }),
      [oauth.allowInsecureRequests]: isLoopback(token),
    };
    return { as, client, authentication, options, host: token.host };
  }

  return {
    /** The URL the person's browser is sent to, with PKCE (S256) and the signed state. */
    async authorizationUrl(config: OAuthClientConfig, input: { redirectUri: string; state: string; codeVerifier: string }): Promise<URL> {
      if (!config.authorizationUrl) {
        throw new SwitchboardError('VALIDATION_FAILED', 'This OAuth configuration has no authorization URL; set authorization_url on the auth config.', {
          field: 'authorization_url',
        });
      }
      const url = new URL(config.authorizationUrl);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', input.redirectUri);
      if (config.scopes.length > 0) url.searchParams.set('scope', config.scopes.join(' '));
      url.searchParams.set('state', input.state);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(input.codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      return url;
    },

    /** Validates the callback (state, error parameters) and exchanges the code for tokens. */
    async exchangeCode(
      config: OAuthClientConfig,
      input: { callback: URLSearchParams; expectedState: string; redirectUri: string; codeVerifier: string },
    ): Promise<TokenSet> {
      const { as, client, authentication, options, host } = parts(config);
      try {
        const params = oauth.validateAuthResponse(as, client, input.callback, input.expectedState);
        const response = await oauth.authorizationCodeGrantRequest(as, client, authentication, params, input.redirectUri, input.codeVerifier, options);
        return toTokenSet(await oauth.processAuthorizationCodeResponse(as, client, await withoutIdToken(response)));
      } catch (error) {
        throw oauthFailure(error, 'authorization code', host);
      }
    },

    async refresh(config: OAuthClientConfig, refreshToken: string): Promise<TokenSet> {
      const { as, client, authentication, options, host } = parts(config);
      try {
        const response = await oauth.refreshTokenGrantRequest(as, client, authentication, refreshToken, options);
        return toTokenSet(await oauth.processRefreshTokenResponse(as, client, await withoutIdToken(response)), refreshToken);
      } catch (error) {
        throw oauthFailure(error, 'token refresh', host);
      }
    },

    async clientCredentials(config: OAuthClientConfig): Promise<TokenSet> {
      const { as, client, authentication, options, host } = parts(config);
      try {
        const parameters: Record<string, string> = config.scopes.length > 0 ? { scope: config.scopes.join(' ') } : {};
        const response = await oauth.clientCredentialsGrantRequest(as, client, authentication, parameters, options);
        return toTokenSet(await oauth.processClientCredentialsResponse(as, client, await withoutIdToken(response)));
      } catch (error) {
        throw oauthFailure(error, 'client-credentials grant', host);
      }
    },

    /** RFC 7009 revocation; resolves false when the provider has no revocation endpoint. */
    async revoke(config: OAuthClientConfig, token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
      if (!config.revocationUrl) return false;
      const { as, client, authentication, options, host } = parts(config);
      try {
        const response = await oauth.revocationRequest(as, client, authentication, token, { ...options, additionalParameters: { token_type_hint: hint } });
        await oauth.processRevocationResponse(response);
        return true;
      } catch (error) {
        throw oauthFailure(error, 'token revocation', host);
      }
    },

    generateCodeVerifier: () => oauth.generateRandomCodeVerifier(),
  };
}

export type OAuthClient = ReturnType<typeof createOAuthClient>;
