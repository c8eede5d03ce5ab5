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

  it('sends browsers to the interactive reference', async () => {
    const redirect = await t.server.app.inject({ method: 'GET', url: '/docs', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/docs/ui/');
    const page = await t.server.app.inject({ method: 'GET', url: '/docs/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });
});
