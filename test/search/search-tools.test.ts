import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = Record<string, any>;

describe.skipIf(!testDatabaseAvailable())('search_tools over the index', () => {
  let t: TestServer;
  const api = (method: 'POST', url: string, payload: object) => t.server.app.inject({ method, url, headers: { 'x-api-key': t.adminKey }, payload });

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t?.close());

  it('ranks, explains, hints a plan, and keeps to the session policy', async () => {
    const session = (
      await api('POST', '/v1/sessions', { user_id: 'lin', toolkits: ['bitbucket'], tools: { bitbucket: { disable: ['BITBUCKET_DELETE_ISSUE'] } } })
    ).json();
    const search = async (body: Json) => (await api('POST', `/v1/sessions/${session.session_id}/search`, body)).json();

    const branch = await search({ query: 'create a branch in a Bitbucket repository' });
    const first = branch.results[0].tools[0];
    expect(first).toMatchObject({ tool_slug: 'BITBUCKET_CREATE_BRANCH', toolkit: 'bitbucket', connected: false, input_schema: expect.any(Object) });
    expect(first.matched).toEqual(expect.arrayContaining(['create', 'branch']));
    expect(first.why.join(' ')).toContain('name:');

    const plan = await search({ queries: [{ use_case: 'look up the issue about login, then update that issue' }] });
    expect(plan.results[0].plan_hint).toMatch(/1\. BITBUCKET_\w+ .*→ 2\. BITBUCKET_UPDATE_ISSUE/);

    const denied = await search({ query: 'delete the issue', limit: 20 });
    const slugs: string[] = denied.results[0].tools.map((tool: Json) => tool.tool_slug);
    expect(slugs).not.toContain('BITBUCKET_DELETE_ISSUE');
    expect(slugs.every((slug) => slug.startsWith('BITBUCKET_'))).toBe(true);

    const odd = await search({ queries: [{ use_case: '🚀🔥' }, { use_case: 'ünïcödé ‮ x'.repeat(50) }] });
    expect(odd.results.map((result: Json) => result.tools)).toEqual([[], []]);
  });
});
