import type { IncomingMessage } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

/**
 * An OAuth 2 authorization server for tests: the real `oauth2-mock-server` package on loopback, made
 * strict where RFC 6749 is and Bitbucket is (the mock alone accepts any client and any refresh token):
 * - the token endpoint requires HTTP Basic client authentication with the registered client;
 * - authorization codes are single use and bound to the client and redirect URI they were issued for;
 * - refresh tokens rotate: each one works once, and `revokeGrants()` kills them all (the user revoked the app);
 * - every access token issued is handed to `onAccessToken`, so a resource-server emulator can accept it.
 */
export interface TestOAuthProvider {
  /** `http://127.0.0.1:<port>` (also the issuer). */
  url: string;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  clientId: string;
  clientSecret: string;
  /** Called with each access token issued (authorization code, refresh, client credentials). */
  onAccessToken(listener: (token: string, grant: string) => void): void;
  /** The next token response says the access token lives this many seconds. */
  nextTokenLifetime(seconds: number): void;
  /** The next authorization is refused as the person would refuse it (`error=access_denied`). */
  denyNextAuthorization(): void;
  /** Invalidates every refresh token issued so far. */
  revokeGrants(): void;
  /** Grant types of the token requests received, in order (`refused` appended when refused). */
  readonly tokenRequests: string[];
  /** Tokens the revocation endpoint received. */
  readonly revoked: { token: string; hint: string | undefined }[];
  readonly issuedAccessTokens: string[];
  readonly issuedRefreshTokens: string[];
  close(): Promise<void>;
}

type TokenBody = Record<string, string | undefined>;

export async function startOAuthProvider(options: { clientId?: string; clientSecret?: string } = {}): Promise<TestOAuthProvider> {
  const clientId = options.clientId ?? 'switchboard-test-client';
  const clientSecret = options.clientSecret ?? 'oauth-client-secret-7f3a9c21';
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const port = server.address().port;
  const url = `http://127.0.0.1:${port}`;
  server.issuer.url = url;

  const codes = new Map<string, { clientId: string; redirectUri: string }>();
  const liveRefreshTokens = new Set<string>();
  const listeners: ((token: string, grant: string) => void)[] = [];
  const tokenRequests: string[] = [];
  const revoked: { token: string; hint: string | undefined }[] = [];
  const issuedAccessTokens: string[] = [];
  const issuedRefreshTokens: string[] = [];
  let lifetime: number | undefined;
  let deny = false;

  server.service.on('beforeAuthorizeRedirect', (redirect: { url: URL }, req: IncomingMessage & { query: Record<string, string> }) => {
    if (deny) {
      deny = false;
      redirect.url.searchParams.delete('code');
      redirect.url.searchParams.set('error', 'access_denied');
      redirect.url.searchParams.set('error_description', 'The user denied access.');
      return;
    }
    const code = redirect.url.searchParams.get('code');
    if (code) codes.set(code, { clientId: req.query.client_id ?? '', redirectUri: req.query.redirect_uri ?? '' });
  });

  /** RFC 6749 §2.3.1: HTTP Basic with the form-encoded client id and secret. */
  const clientAuthenticated = (req: IncomingMessage) => {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [presentedId, presentedSecret] = Buffer.from(encoded ?? '', 'base64')
      .toString('utf8')
      .split(':')
      .map((part) => decodeURIComponent(part));
    return scheme === 'Basic' && presentedId === clientId && presentedSecret === clientSecret;
  };

  const refuse = (response: { statusCode: number; body: unknown }, status: number, error: string, description: string) => {
    response.statusCode = status;
    response.body = { error, error_description: description };
  };

  server.service.on('beforeResponse', (response: { statusCode: number; body: Record<string, unknown> }, req: IncomingMessage & { body: TokenBody }) => {
    const body = req.body ?? {};
    const grant = body.grant_type ?? '';
    tokenRequests.push(grant);
    if (!clientAuthenticated(req)) {
      tokenRequests.push('refused');
      return refuse(response, 401, 'invalid_client', 'Client authentication failed.');
    }
    if (grant === 'authorization_code') {
      const issued = codes.get(body.code ?? '');
      codes.delete(body.code ?? '');
      if (!issued || issued.clientId !== clientId || issued.redirectUri !== body.redirect_uri) {
        tokenRequests.push('refused');
        return refuse(response, 400, 'invalid_grant', 'The authorization code is invalid, used, or was issued to another client or redirect URI.');
      }
    }
    if (grant === 'refresh_token') {
      if (!liveRefreshTokens.delete(body.refresh_token ?? '')) {
        tokenRequests.push('refused');
        return refuse(response, 400, 'invalid_grant', 'Invalid refresh_token.');
      }
    }
    if (response.statusCode !== 200) return;
    if (lifetime !== undefined) {
      response.body.expires_in = lifetime;
      lifetime = undefined;
    }
    const accessToken = String(response.body.access_token);
    issuedAccessTokens.push(accessToken);
    if (grant === 'client_credentials') delete response.body.refresh_token;
    if (typeof response.body.refresh_token === 'string') {
      liveRefreshTokens.add(response.body.refresh_token);
      issuedRefreshTokens.push(response.body.refresh_token);
    }
    for (const listener of listeners) listener(accessToken, grant);
  });

  // The mock does not parse revocation bodies: read the form here (it arrives with the request).
  server.service.on('beforeRevoke', (response: { statusCode: number }, req: IncomingMessage) => {
    if (!clientAuthenticated(req)) {
      response.statusCode = 401;
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const token = form.get('token') ?? '';
      liveRefreshTokens.delete(token);
      revoked.push({ token, hint: form.get('token_type_hint') ?? undefined });
    });
  });

  return {
    url,
    authorizationUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    revocationUrl: `${url}/revoke`,
    clientId,
    clientSecret,
    onAccessToken: (listener) => listeners.push(listener),
    nextTokenLifetime: (seconds) => {
      lifetime = seconds;
    },
    denyNextAuthorization: () => {
      deny = true;
    },
    revokeGrants: () => liveRefreshTokens.clear(),
    tokenRequests,
    revoked,
    issuedAccessTokens,
    issuedRefreshTokens,
    close: () => server.stop(),
  };
}
