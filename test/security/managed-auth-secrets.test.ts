import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { sealedColumnName, sealedColumns } from '../../src/auth/index.js';
import { startBackendlessEmulator } from '../emulators/backendless/index.js';
import { DEFAULT_ACCOUNT, startBitbucketEmulator } from '../emulators/bitbucket/index.js';
import { oauthConfigBody, signInWithProvider } from '../helpers/connect-flow.js';
import { startOAuthProvider } from '../helpers/oauth-provider.js';
import { startTestServer, testDatabaseAvailable, testDatabaseKind } from '../helpers/server.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Every secret managed auth handles — typed-in API keys and tokens (REST and the connect page), the
 * OAuth client secret, access and refresh tokens (issued, refreshed, revoked), connect-link tokens and
 * the master key — is searched for in every API response, every log line (at trace level), every
 * row (audit rows included) and, for the embedded database, every file of the database.
 */
describe.skipIf(!testDatabaseAvailable())('managed-auth secrets at rest, in responses and in logs', () => {
  it('never shows or stores a secret in plaintext', async () => {
    const logs: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    const [provider, bitbucket, backendless] = await Promise.all([startOAuthProvider(), startBitbucketEmulator(), startBackendlessEmulator()]);
    provider.onAccessToken((token) => bitbucket.state.addAccessToken(token, DEFAULT_ACCOUNT.email));
    const t = await startTestServer({
      onDisk: true,
      logStream: stream,
      env: { SWITCHBOARD_LOG_LEVEL: 'trace', SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' },
    });
    const responses: LightMyRequestResponse[] = [];
    const linkTokens: string[] = [];
    const inject = async (options: InjectOptions) => {
      const response = await t.server.app.inject(options);
      responses.push(response);
      return response;
    };
    const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
      inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });

    try {
      // OAuth: config with a client secret, sign-in, tool calls, a refresh, a revocation on delete.
      const config = (await api('POST', '/v1/auth-configs', oauthConfigBody(provider))).json();
      for (const user of ['oauth-1', 'oauth-2']) {
        const link = (
          await api('POST', '/v1/connect-links', { user_id: user, toolkit: 'bitbucket', auth_config_id: config.id, base_url: bitbucket.baseUrl })
        ).json();
        linkTokens.push(link.link_token);
        const { start, callback } = await signInWithProvider(t.server.app, link.redirect_url);
        responses.push(start, callback);
        expect(callback.statusCode, callback.body).toBe(200);
        expect((await api('POST', '/v1/tools/BITBUCKET_GET_CURRENT_USER/execute', { user_id: user, arguments: {} })).json().successful).toBe(true);
        await api('POST', `/v1/connected-accounts/${link.connected_account_id}/refresh`);
        await api('POST', '/v1/tools/BITBUCKET_LIST_WORKSPACES/execute', { user_id: user, arguments: {} });
      }
      const oauthAccounts = (await api('GET', '/v1/connected-accounts?toolkit=bitbucket')).json().items;
      await api('DELETE', `/v1/connected-accounts/${oauthAccounts[0].id}`);

      // Typed-in credentials over REST (Bitbucket API token) and on the connect page (Backendless REST key).
      await api('POST', '/v1/connected-accounts', {
        user_id: 'basic-user',
        toolkit: 'bitbucket',
        auth_scheme: 'basic',
        credentials: { email: DEFAULT_ACCOUNT.email, api_token: DEFAULT_ACCOUNT.apiToken },
        base_url: bitbucket.baseUrl,
      });
      await api('POST', '/v1/tools/BITBUCKET_GET_CURRENT_USER/execute', { user_id: 'basic-user', arguments: {} });
      const formLink = (
        await api('POST', '/v1/connect-links', { user_id: 'form-user', toolkit: 'backendless', base_url: `${backendless.url}/{app_id}/{rest_api_key}` })
      ).json();
      linkTokens.push(formLink.link_token);
      const form = (fields: Record<string, string>) =>
        inject({
          method: 'POST',
          url: `/connect/${formLink.link_token}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(fields).toString(),
        });
      expect((await form({ app_id: 'wrong', rest_api_key: backendless.restApiKey, console_auth_key: backendless.consoleAuthKey })).statusCode).toBe(422);
      expect((await form({ app_id: backendless.appId, rest_api_key: backendless.restApiKey, console_auth_key: backendless.consoleAuthKey })).statusCode).toBe(
        200,
      );
      await api('POST', '/v1/tools/BACKENDLESS_DIRECTORY_LISTING/execute', { user_id: 'form-user', arguments: { path: '/' } });
      // An OAuth sign-in left half-way holds a sealed PKCE verifier.
      const pending = (await api('POST', '/v1/connect-links', { user_id: 'pending', toolkit: 'bitbucket', auth_config_id: config.id })).json();
      linkTokens.push(pending.link_token);
      expect((await inject({ method: 'GET', url: `/connect/${pending.link_token}/authorize` })).statusCode).toBe(302);
      await api('GET', '/v1/connected-accounts');
      await api('GET', '/v1/auth-configs');
      await api('GET', '/v1/execution-logs');

      const secrets = [
        provider.clientSecret,
        ...provider.issuedAccessTokens,
        ...provider.issuedRefreshTokens,
        DEFAULT_ACCOUNT.apiToken,
        backendless.restApiKey,
        backendless.consoleAuthKey,
        t.config.masterKey!,
        Buffer.from(t.config.masterKey!, 'base64').toString('hex'),
      ];
      expect(provider.issuedAccessTokens.length).toBe(4);
      expect(provider.revoked.length).toBeGreaterThan(0);

      const responseText = responses.map((response) => `${JSON.stringify(response.headers)}\n${response.body}`).join('\n');
      expect(responseText).toContain('••••');
      for (const secret of secrets) expect(responseText, 'a response shows a secret').not.toContain(secret);

      const logText = logs.join('');
      expect(logText).toContain('/connect/lt_[redacted]');
      for (const secret of [...secrets, ...linkTokens]) expect(logText, 'a log line holds a secret').not.toContain(secret);

      const db = t.server.database.db;
      const tableNames = (
        (await db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)) as unknown as {
          rows: { table_name: string }[];
        }
      ).rows.map((row) => row.table_name);
      expect(tableNames).toEqual(expect.arrayContaining(['connected_accounts', 'connect_links', 'auth_configs', 'execution_logs']));
      let dump = '';
      for (const table of tableNames) {
        dump += ((await db.execute(sql.raw(`select t::text as row from "${table}" t`))) as unknown as { rows: { row: string }[] }).rows
          .map((row) => row.row)
          .join('\n');
      }
      expect(dump).toContain('v1.mk_'); // sealed values are there, so the scan would see plaintext ones

      // Every column holding sealed values is one a master-key rotation re-wraps.
      const textColumns = (
        (await db.execute(
          sql`select table_name, column_name from information_schema.columns where table_schema = 'public' and data_type = 'text'`,
        )) as unknown as { rows: { table_name: string; column_name: string }[] }
      ).rows;
      const holdingSealed: string[] = [];
      for (const { table_name, column_name } of textColumns) {
        const found = (await db.execute(sql.raw(`select count(*)::int as n from "${table_name}" where "${column_name}" like 'v1.mk\\_%'`))) as unknown as {
          rows: { n: number }[];
        };
        if (found.rows[0]!.n > 0) holdingSealed.push(`${table_name}.${column_name}`);
      }
      expect(holdingSealed.sort()).toEqual(sealedColumns.map(sealedColumnName).sort());
      for (const secret of [...secrets, ...linkTokens]) expect(dump, 'a row holds a secret').not.toContain(secret);
    } finally {
      await t.server.close();
    }

    if (testDatabaseKind() === 'embedded') {
      const needles = [
        provider.clientSecret,
        ...provider.issuedAccessTokens,
        ...provider.issuedRefreshTokens,
        DEFAULT_ACCOUNT.apiToken,
        backendless.restApiKey,
      ].map((secret) => Buffer.from(secret));
      for (const file of filesUnder(join(t.dataDir, 'pglite'))) {
        const bytes = readFileSync(file);
        for (const needle of needles) expect(bytes.indexOf(needle), `${file} holds a secret`).toBe(-1);
      }
    }
    await t.close();
    await Promise.all([provider.close(), bitbucket.close(), backendless.close()]);
  });
});
