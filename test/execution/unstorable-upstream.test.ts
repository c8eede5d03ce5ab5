import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/execution/index.js';
import { json, notesToolkit, startScriptedUpstream } from '../fixtures/notes-toolkit.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: results are checked field by field
type Json = Record<string, any>;

/** What an upstream may send that PostgreSQL cannot store: NUL, lone surrogates (high and low), in values and keys. */
const hostile = 'nul\u0000 high\ud800 low\udc00 end';
const replaced = 'nul\ufffd high\ufffd low\ufffd end';

/**
 * Upstream text reaches the database (audit rows, offloaded results): whatever it holds, the audit
 * row is written and a call that ran answers as it ran.
 */
describe.skipIf(!testDatabaseAvailable())('upstream text the database cannot store', () => {
  let t: TestServer;
  let upstream: Awaited<ReturnType<typeof startScriptedUpstream>>;
  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });
  const execute = (args: object) => api('POST', '/v1/tools/NOTES_GET_NOTE/execute', { user_id: 'reader', arguments: args });

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    t = await startTestServer({ toolkits: [notesToolkit], env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' } });
    const account = await api('POST', '/v1/connected-accounts', {
      user_id: 'reader',
      toolkit: 'notes',
      credentials: { tenant: 'acme', api_key: 'notes-key-0001' },
      base_url: `${upstream.url}/{tenant}`,
    });
    expect(account.statusCode, account.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });

  it('keeps the audit row of a failed call whose upstream error message holds NUL and lone surrogates', async () => {
    upstream.next(json(422, { message: hostile }));
    const failed = await execute({ note_id: 1 });
    expect(failed.statusCode, failed.body).toBe(200);
    expect(failed.json()).toMatchObject({ successful: false, error_code: 'UPSTREAM_ERROR', log_id: expect.stringMatching(/^log_/) });
    const log = await api('GET', `/v1/execution-logs/${failed.json().log_id}`);
    expect(log.statusCode, log.body).toBe(200);
    expect(log.json()).toMatchObject({ successful: false, http_status: 422, error_message: expect.stringContaining(replaced) });
  });

  it('keeps the audit row when the stored message is cut inside a surrogate pair, or the body is raw text with NUL bytes', async () => {
    // The audit keeps 1000 characters of a message: with either parity of the prefix, one cut falls inside an emoji.
    upstream.next(json(400, { message: '😀'.repeat(600) }), json(400, { message: `x${'😀'.repeat(600)}` }), (_request, response) => {
      response.writeHead(400, { 'content-type': 'text/plain' });
      response.end(Buffer.from('broken\u0000upstream', 'utf8'));
    });
    const cuts = [await execute({ note_id: 2 }), await execute({ note_id: 2 })];
    const raw = await execute({ note_id: 3 });
    for (const response of [...cuts, raw]) {
      expect(response.statusCode, response.body).toBe(200);
      const log = await api('GET', `/v1/execution-logs/${response.json().log_id}`);
      expect(log.statusCode, log.body).toBe(200);
      expect(log.json().error_message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
    expect((await api('GET', `/v1/execution-logs/${raw.json().log_id}`)).json().error_message).toContain('broken\ufffdupstream');
  });

  it('answers a completed call with its result, and offloads a large one readably, whatever text it holds', async () => {
    const big = { title: hostile, [`key${hostile}`]: 'value', body: 'x'.repeat(3000), list: [hostile, { inner: hostile }] };
    upstream.always(json(200, big));
    const session = (await api('POST', '/v1/sessions', { user_id: 'reader', workbench: { auto_offload_threshold: 500 } })).json();
    const executed = await api('POST', `/v1/sessions/${session.session_id}/execute`, { tool_slug: 'NOTES_GET_NOTE', arguments: { note_id: 4 } });
    expect(executed.statusCode, executed.body).toBe(200);
    const result = executed.json();
    expect(result).toMatchObject({ successful: true, data: { offloaded: true, stored_result_id: expect.stringMatching(/^sr_/) } });
    expect(result.offload_error).toBeUndefined();

    const stored = await api('GET', `/v1/sessions/${session.session_id}/results/${result.data.stored_result_id}`);
    expect(stored.statusCode, stored.body).toBe(200);
    expect(stored.json().value).toEqual({ title: replaced, [`key${replaced}`]: 'value', body: 'x'.repeat(3000), list: [replaced, { inner: replaced }] });
    expect((await api('GET', `/v1/execution-logs/${result.log_id}`)).json()).toMatchObject({ successful: true });

    // The same over MCP's multi_execute_tool: the call answers, the stored result reads back.
    const principal = { projectId: t.server.bootstrapResult.created!.project.id, keyId: null, scopes: ['admin'] as const };
    const context = await t.server.router.open({ ...principal, scopes: [...principal.scopes] }, session.session_id);
    const outcome = await t.server.router.callTool(context, 'multi_execute_tool', { tools: [{ tool_slug: 'NOTES_GET_NOTE', arguments: { note_id: 5 } }] });
    expect(outcome.isError).toBe(false);
    const storedId = (outcome.data as Json).results[0].response.data.stored_result_id;
    const part = await t.server.router.callTool(context, 'read_stored_result', { result_id: storedId, path: 'list.1.inner' });
    expect(part.data).toMatchObject({ value: replaced });
  });

  it('writes the rest of a batch when one audit row is refused, and reports the lost row instead of dropping it silently', async () => {
    const reported: { message: string; log_ids: string[] }[] = [];
    const audit = createAuditLog(t.server.database.db, {
      flushIntervalMs: 10_000,
      onWriteError: (message, details) => reported.push({ message, log_ids: details.log_ids }),
    });
    const projectId = t.server.bootstrapResult.created!.project.id;
    const entry = {
      userId: null,
      apiKeyId: null,
      toolSlug: 'NOTES_GET_NOTE',
      toolkit: 'notes',
      toolkitVersion: '1.0.0',
      connectedAccountId: null,
      successful: false,
      errorCode: 'UPSTREAM_ERROR',
      errorMessage: hostile,
      httpStatus: 500,
      attempts: 1,
      latencyMs: 3,
      requestBytes: 0,
      responseBytes: 0,
      argumentsDigest: null,
    };
    const kept = audit.record({ ...entry, projectId });
    // A project deleted meanwhile: the database refuses this row (foreign key), and only this one.
    const lost = audit.record({ ...entry, projectId: 'prj_deleted_meanwhile' });
    await audit.flush();
    const principal = { projectId, keyId: null, userId: null, scopes: ['admin' as const] };
    expect(await audit.get(principal as never, kept)).toMatchObject({ id: kept, error_message: replaced });
    expect(reported.map((report) => report.log_ids)).toEqual([[kept, lost], [lost]]);
    expect(reported[1]!.message).toMatch(/lost/);
  });
});
