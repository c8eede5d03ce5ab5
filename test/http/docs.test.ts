import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

describe.skipIf(!testDatabaseAvailable())('/docs', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t?.close());

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health', '/v1/projects', '/v1/projects/{id}', '/v1/api-keys', '/v1/api-keys/{id}']));
    const createKey = document.paths['/v1/api-keys'].post;
    expect(JSON.stringify(createKey.requestBody)).toContain('scopes');
    expect(Object.keys(createKey.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '429']));
    expect(document.components.securitySchemes).toHaveProperty('apiKey');
    expect(document.paths['/health'].get.security).toEqual([]);
    const openapiJson = await t.server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(openapiJson.json().openapi).toBe('3.1.0');
  });

  it('is a document tools can read: every $ref resolves, patterns use no \\p{…} classes, formats are standard ones', async () => {
    const document = (await t.server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const text = JSON.stringify(document);
    const refs = new Set([...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!));
    expect(refs.size).toBeGreaterThan(0);
    for (const name of refs) expect(document.components.schemas, name).toHaveProperty([name]);
    const patterns = [...text.matchAll(/"pattern":("(?:[^"\\]|\\.)*")/g)].map((match) => JSON.parse(match[1]!) as string);
    expect(patterns.filter((pattern) => pattern.includes('\\p{'))).toEqual([]);
    const formats = new Set([...text.matchAll(/"format":"([^"]+)"/g)].map((match) => match[1]!));
    const standard = [
      'date-time',
      'date',
      'time',
      'email',
      'uri',
      'url',
      'uuid',
      'int32',
      'int64',
      'double',
      'float',
      'binary',
      'byte',
      'password',
      'hostname',
      'ipv4',
      'ipv6',
    ];
    expect([...formats].filter((format) => !standard.includes(format))).toEqual([]);
    // Cursors are documented exactly: a cursor the pattern allows is one the server pages from.
    const listKeys = document.paths['/v1/api-keys'].get.parameters.find((parameter: { name: string }) => parameter.name === 'cursor');
    expect(listKeys.schema.pattern).toBe('^[0-9]{1,13}\\.[0-9A-Za-z_]{1,64}$');
    const page = await t.server.app.inject({ method: 'GET', url: '/v1/api-keys?limit=1&cursor=0.key_0', headers: { 'x-api-key': t.adminKey } });
    expect(page.statusCode).toBe(200);
    // The largest time the pattern allows (year 2286) still pages, it does not fail in the database.
    const far = await t.server.app.inject({ method: 'GET', url: '/v1/api-keys?cursor=9999999999999.key_0', headers: { 'x-api-key': t.adminKey } });
    expect(far.statusCode, far.body).toBe(200);
    expect(Object.keys(document.paths['/v1/api-keys/{id}'].patch.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '500']));
  });

  it('sends browsers to the interactive reference', async () => {
    const redirect = await t.server.app.inject({ method: 'GET', url: '/docs', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/docs/ui/');
    const page = await t.server.app.inject({ method: 'GET', url: '/docs/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });
});
