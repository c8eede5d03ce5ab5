import type { FastifyInstance } from 'fastify';
import type { TestOAuthProvider } from './oauth-provider.js';

/** An auth config body for Bitbucket OAuth against the test provider. */
export function oauthConfigBody(provider: TestOAuthProvider, overrides: Record<string, unknown> = {}) {
  return {
    toolkit: 'bitbucket',
    scheme: 'oauth2_authorization_code',
    client_id: provider.clientId,
    client_secret: provider.clientSecret,
    authorization_url: provider.authorizationUrl,
    token_url: provider.tokenUrl,
    revocation_url: provider.revocationUrl,
    ...overrides,
  };
}

/**
 * What a browser does with an OAuth connect link, without one: start on the page, follow the
 * provider's redirect, come back to the callback with the binding cookie. `tamper` alters the way back.
 */
export async function signInWithProvider(app: FastifyInstance, redirectUrl: string, tamper: { state?: (state: string) => string; dropCookie?: boolean } = {}) {
  const start = await app.inject({ method: 'GET', url: `${new URL(redirectUrl).pathname}/authorize` });
  if (start.statusCode !== 302) throw new Error(`the sign-in did not start: ${start.statusCode} ${start.body}`);
  const authorize = new URL(String(start.headers.location));
  const cookie = String(start.headers['set-cookie']).split(';')[0]!;
  const atProvider = await fetch(authorize, { redirect: 'manual' });
  const back = new URL(atProvider.headers.get('location')!);
  if (tamper.state) back.searchParams.set('state', tamper.state(back.searchParams.get('state') ?? ''));
  const callback = await app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: tamper.dropCookie ? {} : { cookie } });
  return { start, authorize, cookie, back, callback };
}

/** What a person does with a Bitbucket connect link: types the emulator account's email and API token into the page. */
export async function connectBitbucketOnPage(redirectUrl: string): Promise<void> {
  const { DEFAULT_ACCOUNT } = await import('../emulators/bitbucket/index.js');
  const page = await fetch(redirectUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: DEFAULT_ACCOUNT.email, api_token: DEFAULT_ACCOUNT.apiToken }),
  });
  if (page.status !== 200) throw new Error(`the connect page answered ${page.status}: ${await page.text()}`);
}
