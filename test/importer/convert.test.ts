import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolkitDefinitionSchema } from '../../src/catalog/index.js';
import { SwitchboardError } from '../../src/errors.js';
import { convertOpenApi } from '../../src/importer/index.js';

/** The OpenAPI importer as a function: descriptions in, toolkit definitions and summaries out. */

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'openapi');
const bitbucketText = readFileSync(join(fixtures, 'bitbucket-cloud-2.0.json'), 'utf8');
const notesYaml = readFileSync(join(fixtures, 'notes-3.1.yaml'), 'utf8');
const petsSwagger = JSON.parse(readFileSync(join(fixtures, 'pets-swagger2.json'), 'utf8')) as Record<string, unknown>;

function minimal(paths: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { openapi: '3.0.3', info: { title: 'Mini', version: '1.0' }, servers: [{ url: 'https://mini.example.com' }], paths, ...extra };
}

async function rejection(input: unknown, options: Parameters<typeof convertOpenApi>[1] = {}): Promise<SwitchboardError> {
  const error = await convertOpenApi(input, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SwitchboardError);
  return error as SwitchboardError;
}

/**
 * One conversion of the 1.5 MB description, with the progress it reported, for the tests that only
 * read the result (a conversion takes seconds); the determinism test converts again itself.
 */
let bitbucketConversion: Promise<{ converted: Awaited<ReturnType<typeof convertOpenApi>>; progress: [number, number][] }> | undefined;
function convertedBitbucket() {
  bitbucketConversion ??= (async () => {
    const progress: [number, number][] = [];
    const converted = await convertOpenApi(bitbucketText, { onProgress: (done, total) => progress.push([done, total]) });
    return { converted, progress };
  })();
  return bitbucketConversion;
}

describe('OpenAPI importer: the official Bitbucket description', () => {
  it('accounts for all 331 operations, imports them with unique slugs of at most 64 characters, and the toolkit validates', async () => {
    const { toolkit, summary } = (await convertedBitbucket()).converted;
    expect(summary.operations).toBe(331);
    expect(summary.imported + summary.skipped.length).toBe(331);
    expect(summary.imported).toBeGreaterThanOrEqual(320);
    expect(toolkitDefinitionSchema.safeParse(toolkit).success).toBe(true);
    expect(toolkit.slug).toBe('bitbucket_api');
    expect(toolkit.base_url).toBe('https://api.bitbucket.org/2.0');
    expect(toolkit.version).toMatch(/^2\.0\.\d+$/);
    const slugs = toolkit.tools.map((tool) => tool.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    for (const slug of slugs) {
      expect(slug.length).toBeLessThanOrEqual(64);
      expect(slug.startsWith('BITBUCKET_API_')).toBe(true);
    }
    expect(toolkit.auth.map((scheme) => scheme.type)).toEqual(['basic', 'oauth2', 'api_key']);
    const oauth = toolkit.auth.find((scheme) => scheme.type === 'oauth2');
    expect(oauth).toMatchObject({ grant: 'authorization_code', token_url: 'https://bitbucket.org/site/oauth2/access_token' });
  });

  it('maps operations faithfully: path and query arguments, body properties, annotations, scopes, descriptions', async () => {
    const { toolkit } = (await convertedBitbucket()).converted;
    const find = (method: string, path: string) => toolkit.tools.find((tool) => tool.request.method === method && tool.request.path === path)!;
    const user = find('GET', '/user');
    expect(user).toMatchObject({ name: 'Get current user', annotations: { readOnlyHint: true, destructiveHint: false }, scopes: ['account'] });
    expect(user.input_schema).toEqual({ type: 'object', properties: {}, additionalProperties: false });

    const workspaces = find('GET', '/workspaces');
    expect(workspaces.request.query).toMatchObject({ role: '$role', q: '$q', sort: '$sort' });
    expect((workspaces.input_schema.properties as Record<string, { enum?: string[] }>).role!.enum).toEqual(['owner', 'collaborator', 'member']);

    const file = find('GET', '/repositories/{workspace}/{repo_slug}/src/{commit}/{+path}');
    expect(file.input_schema.required).toEqual(expect.arrayContaining(['workspace', 'repo_slug', 'commit', 'path']));

    const comment = find('POST', '/repositories/{workspace}/{repo_slug}/issues/{issue_id}/comments');
    expect(comment.request.body).toMatchObject({ content: '$content' });
    expect(comment.description).toMatch(/^Deprecated\. Create a comment on an issue/);

    const remove = find('DELETE', '/repositories/{workspace}/{repo_slug}');
    expect(remove.annotations).toMatchObject({ destructiveHint: true, idempotentHint: true, readOnlyHint: false });
    for (const tool of toolkit.tools) expect(tool.description.length).toBeLessThanOrEqual(1200);
  });

  it('is deterministic: the same text gives the same toolkit and version; a change gives another version', async () => {
    const first = (await convertedBitbucket()).converted;
    const second = await convertOpenApi(JSON.parse(bitbucketText));
    expect(second.toolkit).toEqual(first.toolkit);
    const changed = JSON.parse(bitbucketText);
    changed.paths['/user'].get.summary = 'Who am I';
    const third = await convertOpenApi(changed);
    expect(third.toolkit.version).not.toBe(first.toolkit.version);
    expect(third.toolkit.version).toMatch(/^2\.0\.\d+$/);
  });

  it('reports progress per operation', async () => {
    const seen = (await convertedBitbucket()).progress;
    expect(seen).toHaveLength(331);
    expect(seen.at(-1)).toEqual([331, 331]);
  });
});

describe('OpenAPI importer: small descriptions', () => {
  it('imports OpenAPI 3.1 YAML: $ref parameters, renamed arguments, server defaults, readOnly left out, HEAD skipped', async () => {
    const { toolkit, summary } = await convertOpenApi(notesYaml);
    expect(toolkit).toMatchObject({ slug: 'notes_service', name: 'Notes Service', base_url: 'https://eu.notes.example.com/v1' });
    expect(toolkit.version).toMatch(/^1\.4\.\d+$/);
    expect(toolkit.auth).toEqual([
      { type: 'api_key', in: 'header', name: 'X-Notes-Key', fields: [{ name: 'api_key', label: 'API key', secret: true, required: true, max_length: 4096 }] },
    ]);
    expect(summary.warnings).toContain('security scheme "cookie" skipped: API keys in "cookie" are not supported (only header and query)');
    expect(summary).toMatchObject({
      operations: 5,
      imported: 4,
      skipped: [{ operation: 'noteExists', reason: expect.stringContaining('HEAD is not supported') }],
    });
    const bySlug = Object.fromEntries(toolkit.tools.map((tool) => [tool.slug, tool]));
    expect(Object.keys(bySlug)).toEqual(['NOTES_SERVICE_LIST_NOTES', 'NOTES_SERVICE_CREATE_NOTE', 'NOTES_SERVICE_GET_NOTE', 'NOTES_SERVICE_DELETE_NOTE']);
    expect(bySlug.NOTES_SERVICE_LIST_NOTES!.request).toEqual({ method: 'GET', path: '/notes', query: { limit: '$limit' }, headers: { 'X-Trace': '$X_Trace' } });
    expect(bySlug.NOTES_SERVICE_GET_NOTE!.request.path).toBe('/notes/{note_id}');
    expect(bySlug.NOTES_SERVICE_GET_NOTE!.input_schema.required).toEqual(['note_id']);
    const create = bySlug.NOTES_SERVICE_CREATE_NOTE!;
    expect(create.request.body).toEqual({ title: '$title', body: '$body', tags: '$tags' });
    expect(create.input_schema).toMatchObject({
      required: ['title'],
      properties: { title: { type: 'string', maxLength: 200 }, body: { type: ['string', 'null'] }, tags: { type: 'array' } },
    });
    expect(create.input_schema.properties).not.toHaveProperty('id');
  });

  it('imports Swagger 2.0: host and basePath, body parameters, basic and accessCode OAuth, form uploads skipped, cycles cut', async () => {
    const { toolkit, summary } = await convertOpenApi(petsSwagger);
    expect(toolkit.base_url).toBe('https://petstore.example.com/api');
    expect(toolkit.auth.map((scheme) => scheme.type)).toEqual(['basic', 'oauth2']);
    expect(toolkit.auth[1]).toMatchObject({ grant: 'authorization_code', scopes: ['read:pets', 'write:pets'] });
    expect(summary.warnings.some((warning) => warning.includes('"implicit_auth" skipped') && warning.includes('implicit'))).toBe(true);
    expect(summary.skipped).toEqual([{ operation: 'uploadPhoto', reason: 'takes a form body (formData "file"); tools send JSON bodies only' }]);
    const find = (suffix: string) => toolkit.tools.find((tool) => tool.slug.endsWith(suffix))!;
    expect(find('FIND_PETS').scopes).toEqual(['read:pets']);
    expect(find('FIND_PETS').input_schema.properties).toMatchObject({
      tags: { type: 'array', items: { type: 'string' } },
      limit: { type: 'integer', format: 'int32' },
    });
    const add = find('ADD_PET');
    expect(add.input_schema.required).toEqual(['name']);
    expect(add.input_schema.properties).toMatchObject({ tag: { type: ['string', 'null'] } });
    // Pet → Person → Pet: the second Pet is a described placeholder, not an endless schema.
    const owner = (add.input_schema.properties as Record<string, { properties: { pets: { items: unknown } } }>).owner!;
    expect(owner.properties.pets.items).toEqual({ description: 'A Pet object (recursive; not expanded).' });
    expect(find('DELETE_PET').input_schema.properties).toMatchObject({ id: { type: 'integer', format: 'int64' } });
  });

  it('derives slugs from method and path without operationIds, shortens long ones and de-duplicates operationIds', async () => {
    const long = `op${'VeryLongOperationName'.repeat(5)}`;
    const { toolkit, summary } = await convertOpenApi(
      minimal({
        '/things': { get: { responses: {} }, post: { responses: {} } },
        '/things/{id}': { get: { responses: {} } },
        '/a': { get: { operationId: 'same', responses: {} } },
        '/b': { get: { operationId: 'same', responses: {} } },
        '/long': { get: { operationId: long, responses: {} } },
        '/long2': { get: { operationId: `${long}X`, responses: {} } },
      }),
    );
    const slugs = toolkit.tools.map((tool) => tool.slug);
    expect(slugs.slice(0, 5)).toEqual(['MINI_LIST_THINGS', 'MINI_CREATE_THINGS', 'MINI_GET_THINGS', 'MINI_SAME', 'MINI_SAME_2']);
    expect(slugs[5]!.length).toBeLessThanOrEqual(64);
    expect(slugs[6]!.length).toBeLessThanOrEqual(64);
    expect(slugs[5]).not.toBe(slugs[6]);
    expect(summary.warnings).toContain('same: duplicate operationId; its tool slug got a numeric suffix');
    // The free-form body stands in for an undocumented POST body.
    expect(toolkit.tools[1]!.request.body).toBe('$body');
  });

  it('applies overrides: slug, name, base_url and auth', async () => {
    const { toolkit } = await convertOpenApi(petsSwagger, { slug: 'pets', name: 'My pets', base_url: 'https://pets.internal/api', auth: 'bearer' });
    expect(toolkit).toMatchObject({ slug: 'pets', name: 'My pets', base_url: 'https://pets.internal/api', auth: [{ type: 'bearer' }] });
    expect(toolkit.tools.every((tool) => tool.slug.startsWith('PETS_'))).toBe(true);
  });
});

describe('OpenAPI importer: broken inputs', () => {
  it('refuses what is not an importable description, with a message that says why', async () => {
    expect((await rejection('{"openapi": "3.0.0", "paths": ')).message).toMatch(/not valid JSON/);
    expect((await rejection('just: [unclosed')).message).toMatch(/neither JSON nor valid YAML/);
    expect((await rejection('')).message).toMatch(/empty/);
    expect((await rejection('[1, 2]')).message).toMatch(/must be an object/);
    expect((await rejection({ hello: 'world' })).message).toMatch(/neither an "openapi" \(3\.x\) nor a "swagger"/);
    expect((await rejection({ openapi: '4.0.0', paths: { '/x': {} } })).message).toMatch(/Unsupported OpenAPI version/);
    expect((await rejection({ openapi: '3.0.0', info: {}, paths: {} })).message).toMatch(/no "paths"/);
    expect((await rejection(minimal({ '/x': { summary: 'nothing here' } }))).message).toMatch(/no operations/);
    expect((await rejection({ ...minimal({ '/x': { get: { responses: {} } } }), servers: [] })).message).toMatch(/pass base_url/);
    expect((await rejection(minimal({ '/x': { get: { responses: {} } } }), { slug: 'Bad Slug' })).message).toMatch(
      /^Toolkit slug "Bad Slug": lowercase letters/,
    );
    expect((await rejection(minimal({ '/x': { get: { responses: {} } } }), { auth: 'oauth2' })).message).toMatch(/no oauth2 security scheme to keep/);
  });

  it('survives $ref cycles, missing targets, operations without responses and odd shapes, with warnings or skips', async () => {
    const { toolkit, summary } = await convertOpenApi(
      minimal(
        {
          '/cycle': {
            post: {
              operationId: 'cycle',
              requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } },
              responses: {},
            },
          },
          '/self': { post: { operationId: 'selfRef', requestBody: { $ref: '#/components/requestBodies/Loop' }, responses: {} } },
          '/missing': {
            get: {
              operationId: 'missing',
              parameters: [{ name: 'q', in: 'query', schema: { $ref: '#/components/schemas/Nope' } }, { $ref: '#/components/parameters/Gone' }],
              responses: {},
            },
          },
          '/noresponses/{id}': { get: { operationId: 'noResponses' } },
          '/weird': {
            get: 'not an object',
            put: { operationId: 'weird', parameters: 'nope', requestBody: { content: { 'multipart/form-data': {} } }, responses: {} },
          },
          '/cookie': { get: { operationId: 'cookie', parameters: [{ name: 's', in: 'cookie', required: true, schema: { type: 'string' } }], responses: {} } },
          '/pattern': {
            get: { operationId: 'pattern', parameters: [{ name: 'p', in: 'query', schema: { type: 'string', pattern: '([a-z' } }], responses: {} },
          },
        },
        {
          components: {
            schemas: {
              Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } },
            },
            requestBodies: { Loop: { $ref: '#/components/requestBodies/Loop' } },
          },
        },
      ),
    );
    expect(toolkitDefinitionSchema.safeParse(toolkit).success).toBe(true);
    expect(summary.operations).toBe(8);
    expect(summary.imported + summary.skipped.length).toBe(8);
    expect(summary.skipped).toEqual(
      expect.arrayContaining([
        { operation: 'GET /weird', reason: 'the operation is not an object' },
        { operation: 'cookie', reason: 'needs the cookie parameter "s"; tools cannot send cookies' },
      ]),
    );
    expect(summary.warnings).toEqual(
      expect.arrayContaining([
        'missing: $ref #/components/schemas/Nope points to nothing in the document',
        'missing: a parameter could not be read ($ref #/components/parameters/Gone points to nothing in the document); left out',
        'noResponses: has no "responses" (required by OpenAPI); imported anyway',
        'noResponses: path parameter "id" is not declared; added as a required string',
        'selfRef: the request body could not be read ($ref cycle through #/components/requestBodies/Loop); an untyped "body" argument stands in',
        'weird: "parameters" is not a list; ignored',
        'weird: its optional multipart/form-data request body was left out (tools send JSON bodies)',
        'pattern: dropped the invalid pattern "([a-z"',
      ]),
    );
    const cycle = toolkit.tools.find((tool) => tool.slug === 'MINI_CYCLE')!;
    expect(cycle.request.body).toEqual({ name: '$name', children: '$children' });
    expect(JSON.stringify(cycle.input_schema)).toContain('recursive; not expanded');
  });
});
