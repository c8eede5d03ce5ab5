import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents and bodies are walked generically
type Json = Record<string, any>;

/** Text PostgreSQL cannot store: a NUL, or a surrogate that is not part of a pair. */
const unstorableChar = fc.constantFrom('\u0000', '\ud800', '\udfff', '\udbff');
const plain = fc.string({ maxLength: 8, unit: fc.constantFrom('a', 'b', 'z', '1', '-', ' ') });
const unstorableText = (chars: fc.Arbitrary<string>) => fc.tuple(plain, chars, plain).map(([before, bad, after]) => `${before}${bad}${after}`);
/** URLs cannot carry a lone surrogate (percent-encoding is UTF-8); NUL travels as %00. */
const urlText = unstorableText(fc.constant('\u0000'));
const bodyText = unstorableText(unstorableChar);

interface Target {
  operation: Operation;
  /** Where the bad text goes and the field the error must name. */
  where: 'params' | 'query' | 'body';
  path: string[];
}

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  stringQuery: string[];
  body: { schema: Json } | undefined;
}

function resolve(document: Json, schema: Json): Json {
  if (typeof schema?.$ref !== 'string') return schema ?? {};
  return resolve(
    document,
    schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((node: Json, key: string) => node[key], document),
  );
}

/** The schema with its first anyOf/oneOf branch folded in (a branch may only add `required`, as the search body's does). */
function firstBranch(document: Json, schema: Json): Json {
  const choice = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (!choice) return schema;
  const branch = resolve(document, choice);
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema;
  if (rest.type === undefined && rest.properties === undefined) return branch;
  return { ...rest, ...branch, required: [...(rest.required ?? []), ...(branch.required ?? [])], properties: { ...rest.properties, ...branch.properties } };
}

/** A plausible value that satisfies a schema well enough to be accepted as is. */
function sample(document: Json, raw: Json): unknown {
  const schema = firstBranch(document, resolve(document, raw));
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uri') return 'https://example.com/callback';
      if (schema.format === 'date-time') return '2099-01-01T00:00:00Z';
      if (schema.pattern?.includes('[A-Z]')) return 'NOTES_GET';
      if (schema.pattern?.includes('[a-z]')) return 'notes';
      return 'plausible'.slice(0, Math.max(schema.maxLength ?? 9, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(document, schema.items ?? {}));
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((key: string) => [key, sample(document, schema.properties?.[key] ?? {})]));
    default:
      return 'plausible';
  }
}

/** Every place in a body schema where a string goes: properties, array items, free-form objects' values. */
function stringFields(document: Json, raw: Json, path: string[], depth = 0): string[][] {
  const schema = resolve(document, raw);
  if (depth > 6) return [];
  const branches: Json[] = schema.anyOf ?? schema.oneOf ?? [schema];
  const found: string[][] = [];
  for (const branch of branches.map((item) => resolve(document, item))) {
    if (branch.type === 'string' || (branch.type === undefined && branch.properties === undefined && branch.items === undefined && path.length > 0)) {
      found.push(path);
    } else if (branch.type === 'array') {
      found.push(...stringFields(document, branch.items ?? {}, [...path, '0'], depth + 1));
    } else if (branch.type === 'object') {
      for (const [key, property] of Object.entries<Json>(branch.properties ?? {})) found.push(...stringFields(document, property, [...path, key], depth + 1));
      if (branch.additionalProperties !== undefined && branch.additionalProperties !== false) found.push([...path, 'some_key']);
    }
  }
  return [...new Map(found.map((item) => [item.join('.'), item])).values()];
}

/** Sets `value` at `path`, creating what the minimal body lacks on the way. */
function withValueAt(body: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (/^\d+$/.test(head)) {
    const list = Array.isArray(body) ? [...body] : [];
    list[Number(head)] = withValueAt(list[Number(head)], rest, value);
    return list;
  }
  const object = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Json) } : {};
  object[head] = withValueAt(object[head], rest, value);
  return object;
}

function operationsOf(document: Json): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(document.paths)) {
    for (const [method, operation] of Object.entries<Json>(item)) {
      const parameters: Json[] = (operation.parameters ?? []).map((parameter: Json) => resolve(document, parameter));
      const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
        stringQuery: parameters.filter((parameter) => parameter.in === 'query' && resolve(document, parameter.schema).type === 'string').map((p) => p.name),
        body: bodySchema ? { schema: bodySchema } : undefined,
      });
    }
  }
  return operations;
}

describe.skipIf(!testDatabaseAvailable())('text the database cannot store is refused at the edge', () => {
  let t: TestServer;
  const inject = (options: InjectOptions) => t.server.app.inject({ ...options, headers: { 'x-api-key': t.adminKey, ...options.headers } });

  beforeAll(async () => {
    t = await startTestServer({ env: { SWITCHBOARD_RATE_LIMIT: '100000' } });
  });
  afterAll(async () => t?.close());

  const expectRefusal = (response: { statusCode: number; body: string; json(): Json }, field: string) => {
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ field, message: expect.any(String) }] } });
  };

  it('names the field in the body, the query and the path (the fuzz campaign found 500s here)', async () => {
    expectRefusal(await inject({ method: 'POST', url: '/v1/projects', payload: { name: 'a\u0000b' } }), 'body.name');
    expectRefusal(await inject({ method: 'POST', url: '/v1/projects', payload: { name: 'a\ud800b' } }), 'body.name');
    expectRefusal(await inject({ method: 'GET', url: '/v1/connected-accounts?user_id=%00' }), 'query.user_id');
    expectRefusal(await inject({ method: 'GET', url: '/v1/execution-logs/log_%00' }), 'params.id');
    expectRefusal(
      await inject({ method: 'POST', url: '/v1/tools/BITBUCKET_LIST_REPOSITORIES/execute', payload: { user_id: 'u', arguments: { q: ['x', 'y\udc00'] } } }),
      'body.arguments.q.1',
    );
    const key = await inject({ method: 'POST', url: '/v1/sessions', payload: { user_id: 'u', toolkits: ['bitbucket'], tools: { 'bit\u0000': ['X'] } } });
    expectRefusal(key, 'body.tools');
    expect(key.json().error.details.issues[0].message).toMatch(/key/);
    // Nothing was written: the project list is as before.
    const projects = (await inject({ method: 'GET', url: '/v1/projects' })).json();
    expect(projects.items).toHaveLength(1);
    // Well-formed pairs (emoji) and other control characters than NUL are fine where a schema allows them.
    expect((await inject({ method: 'POST', url: '/v1/projects', payload: { name: 'ok 😀 \u0001' } })).statusCode).toBe(201);
  });

  it('answers the Composio-compatible API in its own envelope', async () => {
    const session = await inject({ method: 'POST', url: '/api/v3.1/tool_router/session', payload: { user_id: 'a\u0000' } });
    expect(session.statusCode, session.body).toBe(400);
    expect(session.json()).toMatchObject({
      error: { slug: 'VALIDATION_FAILED', status: 400, details: { issues: [{ field: 'body.user_id' }] } },
    });
    const params = await inject({ method: 'GET', url: '/api/v3/tool_router/session/trs_%00' });
    expect(params.statusCode).toBe(400);
    expect(params.json().error.details.issues[0].field).toBe('params.session_id');
    const query = await inject({ method: 'GET', url: '/api/v3.1/connected_accounts?user_ids=%00' });
    expect(query.statusCode).toBe(400);
    expect(query.json().error).toMatchObject({ slug: 'VALIDATION_FAILED', details: { issues: [{ field: 'query.user_ids' }] } });
  });

  it('every operation of the OpenAPI document refuses such text in each string parameter and body field with 400 naming it', async () => {
    const document = (await inject({ method: 'GET', url: '/openapi.json' })).json();
    const operations = operationsOf(document);
    const targets: Target[] = [];
    for (const operation of operations) {
      for (const name of operation.pathParams) targets.push({ operation, where: 'params', path: [name] });
      for (const name of operation.stringQuery) targets.push({ operation, where: 'query', path: [name] });
      for (const path of operation.body ? stringFields(document, operation.body.schema, []) : []) targets.push({ operation, where: 'body', path });
    }
    // The document is the API's own: if it shrank to nothing, this test would prove nothing.
    expect(new Set(targets.map((target) => `${target.operation.method} ${target.operation.path}`)).size).toBeGreaterThan(30);
    expect(targets.length).toBeGreaterThan(100);

    const requestFor = (target: Target, bad: string): InjectOptions => {
      const { operation } = target;
      const url = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) =>
        encodeURIComponent(target.where === 'params' && target.path[0] === name ? bad : `${name}_1`),
      );
      const query = target.where === 'query' ? `?${new URLSearchParams({ [target.path[0]!]: bad })}` : '';
      const minimal = operation.body ? sample(document, operation.body.schema) : undefined;
      const body = target.where === 'body' ? withValueAt(minimal, target.path, bad) : minimal;
      return { method: operation.method as InjectOptions['method'], url: `${url}${query}`, ...(body !== undefined ? { payload: body as object } : {}) };
    };

    const started = Date.now();
    for (const target of targets) {
      const arbitrary = target.where === 'body' ? bodyText : urlText;
      await fc.assert(
        fc.asyncProperty(arbitrary, async (bad) => {
          const response = await inject(requestFor(target, bad));
          const field = [target.where, ...target.path].join('.');
          expect(response.statusCode, `${target.operation.method} ${target.operation.path} ${field}: ${response.body}`).toBe(400);
          expect(response.json().error.code).toBe('VALIDATION_FAILED');
          expect(response.json().error.details.issues[0].field).toBe(field);
        }),
        { numRuns: 3 },
      );
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
