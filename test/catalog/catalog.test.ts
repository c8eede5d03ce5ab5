import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolkitJsonSchema } from '../../src/catalog/index.js';
import { notesToolkit } from '../fixtures/notes-toolkit.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

const publishedSchemaPath = join(import.meta.dirname, '..', '..', 'schemas', 'toolkit.schema.json');

describe('published toolkit schema', () => {
  it('is up to date with the definition format (npm run schema:toolkit)', () => {
    expect(JSON.parse(readFileSync(publishedSchemaPath, 'utf8'))).toEqual(toolkitJsonSchema());
  });

  it('accepts a valid toolkit and rejects a broken one', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(publishedSchemaPath, 'utf8')));
    expect(validate(notesToolkit), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...notesToolkit, tools: [{ slug: 'lower_case' }] })).toBe(false);
  });
});

describe.skipIf(!testDatabaseAvailable())('catalog over REST', () => {
  let t: TestServer;
  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, key?: string) =>
    t.server.app.inject({ method, url, headers: { 'x-api-key': key ?? t.adminKey }, ...(payload ? { payload } : {}) });
  const custom = {
    ...notesToolkit,
    slug: 'crm',
    name: 'CRM',
    tools: notesToolkit.tools.map((tool) => ({ ...tool, slug: tool.slug.replace('NOTES_', 'CRM_'), tags: ['crm'] })),
  };

  beforeAll(async () => {
    t = await startTestServer({ toolkits: [notesToolkit] });
  });
  afterAll(async () => t?.close());

  it('lists built-in toolkits and tools with their schemas, filtered and paginated', async () => {
    const toolkits = (await inject('GET', '/v1/toolkits')).json();
    expect(toolkits.items).toEqual([expect.objectContaining({ slug: 'notes', source: 'builtin', tools_count: 4 })]);
    expect(toolkits.items[0].auth_schemes[0]).toMatchObject({
      type: 'api_key',
      fields: expect.arrayContaining([expect.objectContaining({ name: 'tenant', secret: false })]),
    });
    const toolkit = (await inject('GET', '/v1/toolkits/notes')).json();
    expect(toolkit.tools.map((tool: { slug: string }) => tool.slug)).toContain('NOTES_GET_NOTE');

    const page1 = (await inject('GET', '/v1/tools?toolkit=notes&limit=3')).json();
    expect(page1.items).toHaveLength(3);
    const page2 = (await inject('GET', `/v1/tools?toolkit=notes&limit=3&cursor=${page1.next_cursor}`)).json();
    expect(page2.items).toHaveLength(1);
    expect(page2.next_cursor).toBeNull();

    // A match in the name outranks one in the description ("attachment" names no tool; "file" names GET_FILE).
    const ranked = (await inject('GET', '/v1/tools?q=path')).json();
    expect(ranked.items[0].slug).toBe('NOTES_GET_FILE');
    const searched = (await inject('GET', '/v1/tools?q=delete%20note')).json();
    expect(searched.items.map((tool: { slug: string }) => tool.slug)).toEqual(['NOTES_DELETE_NOTE']);
    const tool = (await inject('GET', '/v1/tools/NOTES_GET_NOTE')).json();
    expect(tool).toMatchObject({ annotations: { readOnlyHint: true }, input_schema: { required: ['note_id'] }, toolkit: { slug: 'notes', version: '1.0.0' } });
    expect((await inject('GET', '/v1/tools/NOTES_NOPE')).json().error.code).toBe('TOOL_NOT_FOUND');
    expect((await inject('GET', '/v1/toolkits/nope')).json().error.code).toBe('TOOLKIT_NOT_FOUND');
  });

  it('stores project toolkits with versions: a change needs a new version, another project never sees them', async () => {
    const created = await inject('POST', '/v1/toolkits', custom);
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ slug: 'crm', source: 'custom', version: '1.0.0' });
    expect((await inject('POST', '/v1/toolkits', custom)).statusCode).toBe(200);

    const changed = { ...custom, description: 'A changed CRM description.' };
    const conflict = await inject('POST', '/v1/toolkits', changed);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.message).toContain('version');
    expect((await inject('POST', '/v1/toolkits', { ...changed, version: '1.1.0' })).json().version).toBe('1.1.0');
    const rollback = await inject('POST', '/v1/toolkits', custom);
    expect(rollback.statusCode).toBe(409);

    expect((await inject('GET', '/v1/tools?tags=crm')).json().items).toHaveLength(4);
    expect((await inject('GET', '/v1/tools/CRM_GET_NOTE')).json().toolkit.version).toBe('1.1.0');

    const other = (await inject('POST', '/v1/projects', { name: 'Elsewhere' })).json();
    const otherKey = (await inject('POST', '/v1/api-keys', { name: 'x', scopes: ['manage', 'tools:execute'], project_id: other.id })).json().key;
    expect((await inject('GET', '/v1/tools/CRM_GET_NOTE', undefined, otherKey)).statusCode).toBe(404);
    expect((await inject('GET', '/v1/toolkits', undefined, otherKey)).json().items.map((k: { slug: string }) => k.slug)).toEqual(['notes']);

    expect((await inject('DELETE', '/v1/toolkits/crm')).statusCode).toBe(204);
    expect((await inject('GET', '/v1/tools/CRM_GET_NOTE')).statusCode).toBe(404);
  });

  it('refuses invalid definitions and clashes with built-ins, naming the problem', async () => {
    const invalid = await inject('POST', '/v1/toolkits', { ...custom, tools: [{ ...custom.tools[0], slug: 'NOTES_X' }] });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.details.issues[0].field).toBe('body.tools.0.slug');
    const badPath = await inject('POST', '/v1/toolkits', { ...custom, tools: [{ ...custom.tools[1], request: { method: 'GET', path: '/x/{missing}' } }] });
    expect(badPath.json().error.message).toContain('{missing}');
    expect((await inject('POST', '/v1/toolkits', { ...notesToolkit })).statusCode).toBe(409);
  });
});
