import { BitbucketApiError } from './errors.js';
import type { Account } from './model.js';
import type { Route } from './routing.js';
import type { BitbucketState } from './state.js';

/** The challenge Bitbucket sends with every 401 (A.4). */
export const authenticateChallenge = 'Basic realm="Bitbucket.org HTTP"';

export interface Caller {
  account: Account;
  /** Set when the caller used a scope-restricted access token. */
  scopes?: string[];
}

/**
 * HTTP Basic with the Atlassian account email and an API token, or `Bearer <access token>`. Access tokens are
 * accepted only in the header (not in the query string), as enforced since May 2026.
 */
export function authenticate(state: BitbucketState, authorization: string | undefined): Caller {
  const [scheme = '', credentials = ''] = (authorization ?? '').trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'basic' && credentials) return basicCaller(state, credentials);
  if (scheme.toLowerCase() === 'bearer' && credentials) return bearerCaller(state, credentials);
  throw unauthorized('This API requires authentication: send an Atlassian account email and API token with HTTP Basic, or an access token as Bearer.');
}

function basicCaller(state: BitbucketState, credentials: string): Caller {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const account = separator > 0 ? state.findAccountByEmail(decoded.slice(0, separator)) : undefined;
  if (!account || account.apiToken !== decoded.slice(separator + 1)) throw unauthorized('Login failed due to incorrect login credentials or method.');
  return { account };
}

function bearerCaller(state: BitbucketState, token: string): Caller {
  const accessToken = state.accessTokens.get(token);
  if (!accessToken || accessToken.revoked) throw unauthorized('Token is invalid, expired, or not supported for this endpoint.');
  return { account: state.account(accessToken.accountUuid), ...(accessToken.scopes ? { scopes: accessToken.scopes } : {}) };
}

function unauthorized(message: string): BitbucketApiError {
  return new BitbucketApiError(401, message, { headers: { 'WWW-Authenticate': authenticateChallenge } });
}

/** Legacy OAuth scopes that grant others (Bitbucket's documented implications). */
const impliedScopes: Record<string, string[]> = {
  'repository:write': ['repository'],
  pullrequest: ['repository'],
  'pullrequest:write': ['pullrequest', 'repository:write', 'repository'],
  'issue:write': ['issue'],
  'snippet:write': ['snippet'],
  'account:write': ['account'],
  'team:write': ['team'],
  'project:admin': ['project'],
};

/** A scope-restricted token must hold the route's legacy scope (or one implying it) or all of its granular scopes. */
export function requireScopes(route: Route, granted: string[] | undefined): void {
  if (!granted) return;
  const effective = new Set(granted.flatMap((scope) => [scope, ...(impliedScopes[scope] ?? [])]));
  if (route.oauthScope === null || effective.has(route.oauthScope)) return;
  if (route.tokenScopes.length > 0 && route.tokenScopes.every((scope) => effective.has(scope))) return;
  throw new BitbucketApiError(403, 'Your credentials lack one or more required privilege scopes.', {
    detail: `This operation needs the scope ${route.oauthScope} (or ${route.tokenScopes.join(' + ')}).`,
    data: { required: [route.oauthScope, ...route.tokenScopes], granted },
  });
}
