import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { createStoredResults } from '../../src/router/stored-results.js';
import { json, notesToolkit, startScriptedUpstream } from '../fixtures/notes-toolkit.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: results are checked field by field
type Json = Record<string, any>;

/** workbench.auto_offload_threshold: large results are stored and read in parts instead of flooding the context. */
describe.skipIf(!testDatabaseAvailable())('offloaded results', () => {
  let t: TestServer;
  let upstream: Awaited<ReturnType<typeof startScriptedUpstream>>;
  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, ...(payload ? { payload } : {}) });
  const big = { id: 1, title: 'Long note', body: 'x'.repeat(5000), tags: Array.from({ length: 50 }, (_, index) => `tag-${index}`) };

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.always(json(200, big));
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

  it('stores a result above the threshold, returns a preview and an id, and reads it by path and by range', async () => {
    const session = (await api('POST', '/v1/sessions', { user_id: 'reader', workbench: { auto_offload_threshold: 500 } })).json();
    expect(session.tools).toContain('read_stored_result');
    const context = await t.server.router.open({ projectId: t.server.bootstrapResult.created!.project.id, keyId: null, scopes: ['admin'] }, session.session_id);
    const executed = (await t.server.router.callTool(context, 'multi_execute_tool', { tools: [{ tool_slug: 'NOTES_GET_NOTE', arguments: { note_id: 1 } }] }))
      .data as Json;
    const data = executed.results[0].response.data;
    expect(data).toMatchObject({ offloaded: true, stored_result_id: expect.stringMatching(/^sr_/), size_chars: expect.any(Number) });
    expect(data.preview.length).toBe(500);
    expect(JSON.stringify(executed).length).toBeLessThan(2000);

    const byPath = (await t.server.router.callTool(context, 'read_stored_result', { result_id: data.stored_result_id, path: 'tags.3' })).data as Json;
    expect(byPath).toMatchObject({ value: 'tag-3', has_more: false });
    const byRange = (await t.server.router.callTool(context, 'read_stored_result', { result_id: data.stored_result_id, offset: 100, length: 50 })).data as Json;
    expect(byRange.text).toHaveLength(50);
    expect(byRange.has_more).toBe(true);
    const missing = await t.server.router.callTool(context, 'read_stored_result', { result_id: 'sr_nope' });
    expect(missing.isError).toBe(true);

    const full = await api('GET', `/v1/sessions/${session.session_id}/results/${data.stored_result_id}`);
    expect(full.json().value.body).toHaveLength(5000);
    const other = (await api('POST', '/v1/sessions', { user_id: 'reader' })).json();
    expect((await api('GET', `/v1/sessions/${other.session_id}/results/${data.stored_result_id}`)).statusCode).toBe(404);
  });

  it('leaves results alone without a threshold, and small ones below it', async () => {
    const plain = (await api('POST', '/v1/sessions', { user_id: 'reader' })).json();
    expect(plain.tools).not.toContain('read_stored_result');
    const executed = (await api('POST', `/v1/sessions/${plain.session_id}/execute`, { tool_slug: 'NOTES_GET_NOTE', arguments: { note_id: 1 } })).json();
    expect(executed.data.body).toHaveLength(5000);
    const roomy = (await api('POST', '/v1/sessions', { user_id: 'reader', workbench: { auto_offload_threshold: 100_000 } })).json();
    const kept = (await api('POST', `/v1/sessions/${roomy.session_id}/execute`, { tool_slug: 'NOTES_GET_NOTE', arguments: { note_id: 1 } })).json();
    expect(kept.data.title).toBe('Long note');
  });
});

/** The call has run by the time its result is stored: a failed store must not turn it into an error (a retry would repeat it). */
describe('an offload that cannot be stored', () => {
  it('returns the whole result, says the offload failed, and reports it', async () => {
    const refusing = {
      insert: () => ({ values: () => Promise.reject(new Error('connection terminated')) }),
    } as unknown as Database;
    const reported: string[] = [];
    const stored = createStoredResults(refusing, (message) => reported.push(message));
    const result = { data: { body: 'x'.repeat(1000) }, error: null, successful: true, log_id: 'log_1' };
    const answered = await stored.offload({ projectId: 'prj_1', sessionId: null, userId: 'u' }, 100, 'NOTES_GET_NOTE', result);
    expect(answered).toMatchObject({ successful: true, data: result.data, log_id: 'log_1', offload_error: expect.stringContaining('could not be stored') });
    expect(reported).toHaveLength(1);
  });
});
