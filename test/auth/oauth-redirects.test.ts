import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOAuthClient, type OAuthClient } from '../../src/auth/index.js';
import { createOutboundClient, createOutboundPolicy, type OutboundClient } from '../../src/outbound/index.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-servers.js';

const tokens = JSON.stringify({ access_token: 'stolen', token_type: 'Bearer', expires_in: 3600 });

/**
 * OAuth endpoints a project configures are reached through the outbound client with only 127.0.0.2
 * allowed: a token endpoint that redirects elsewhere does not get its redirect followed (the client
 * secret would travel with it), and one on a refused address is never contacted.
 */
describe('OAuth endpoints and redirects', () => {
  let provider: LoopbackServer;
  let internal: LoopbackServer;
  let outbound: OutboundClient;
  let oauth: OAuthClient;

  beforeAll(async () => {
    [provider, internal] = await Promise.all([
      startLoopbackServer('127.0.0.2'),
      startLoopbackServer('127.0.0.1', (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(tokens);
      }),
    ]);
    outbound = createOutboundClient(createOutboundPolicy(['127.0.0.2']));
    oauth = createOAuthClient(outbound);
  });
  afterAll(async () => {
    await outbound?.close();
    await Promise.all([provider, internal].map((server) => server?.close()));
  });
  beforeEach(() => {
    provider.requests.length = 0;
    internal.requests.length = 0;
  });

  const config = (tokenUrl: string) => ({ clientId: 'client', clientSecret: 'client-secret', tokenUrl, scopes: [] });

  it.each([307, 302])('does not follow a %i from the token endpoint to an internal address', async (status) => {
    const tokenUrl = `${provider.origin}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${internal.port}/token`)}&status=${status}`;
    await expect(oauth.clientCredentials(config(tokenUrl))).rejects.toMatchObject({ code: 'OAUTH_FAILED' });
    await expect(oauth.refresh(config(tokenUrl), 'refresh-token')).rejects.toMatchObject({ code: 'OAUTH_FAILED' });
    expect(provider.requests).toHaveLength(2);
    expect(internal.requests).toHaveLength(0);
  });

  it('refuses a token endpoint on a refused address in any spelling, without connecting', async () => {
    for (const host of ['127.0.0.1', '[::ffff:7f00:1]', '[64:ff9b::7f00:1]', '2130706433']) {
      await expect(oauth.clientCredentials(config(`https://${host}:${internal.port}/token`)), host).rejects.toMatchObject({ code: 'OUTBOUND_BLOCKED' });
    }
    expect(internal.requests).toHaveLength(0);
  });
});
