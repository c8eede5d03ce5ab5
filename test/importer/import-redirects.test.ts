import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, type LoopbackServer, redirectUrl, startLoopbackServer } from '../helpers/loopback-servers.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

const notesYaml = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'openapi', 'notes-3.1.yaml'), 'utf8');

/**
 * Import by URL with only 127.0.0.2 allowed: the description server there may redirect within what
 * is allowed, never to the internal service on 127.0.0.1 (or any other spelling of loopback).
 */
describe.skipIf(!testDatabaseAvailable())('POST /v1/toolkits/import follows redirects only to allowed addresses', () => {
  let t: TestServer;
  let specs: LoopbackServer;
  let internal: LoopbackServer;
  let internal6: LoopbackServer;

  const importUrl = (url: string, slug: string) =>
    t.server.app.inject({ method: 'POST', url: '/v1/toolkits/import', headers: { 'x-api-key': t.adminKey }, payload: { url, slug } });
  const serveNotes = (_request: unknown, response: import('node:http').ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/yaml' });
    response.end(notesYaml);
  };

  beforeAll(async () => {
    [specs, internal, internal6] = await Promise.all([
      startLoopbackServer('127.0.0.2'),
      startLoopbackServer('127.0.0.1', serveNotes),
      startLoopbackServer('::1', serveNotes),
    ]);
    t = await startTestServer({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: '127.0.0.2' } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([specs, internal, internal6].map((server) => server?.close()));
  });
  beforeEach(() => {
    for (const server of [specs, internal, internal6]) server.requests.length = 0;
  });

  it.each([
    (port: number) => `http://127.0.0.1:${port}/spec.json`,
    (_port: number, port6: number) => `http://[::1]:${port6}/spec.json`,
    (port: number) => `http://[::ffff:127.0.0.1]:${port}/spec.json`,
    (port: number) => `http://[::ffff:7f00:1]:${port}/spec.json`,
    (port: number) => `http://[64:ff9b::7f00:1]:${port}/spec.json`,
    (port: number) => `http://2130706433:${port}/spec.json`,
  ])('refuses a redirect to the internal service (%#) and imports nothing', async (target) => {
    const response = await importUrl(redirectUrl(specs, target(internal.port, internal6.port)), 'internal_notes');
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().error).toMatchObject({ code: 'OUTBOUND_BLOCKED', message: expect.stringContaining('SWITCHBOARD_ALLOW_PRIVATE_NETWORKS') });
    expect(internal.requests).toHaveLength(0);
    expect(internal6.requests).toHaveLength(0);
    const toolkit = await t.server.app.inject({ method: 'GET', url: '/v1/toolkits/internal_notes', headers: { 'x-api-key': t.adminKey } });
    expect(toolkit.statusCode).toBe(404);
  });

  it('answers the same whether the blocked port listens or not (no port scanning)', async () => {
    const closed = await closedPort('127.0.0.1');
    const listening = await importUrl(redirectUrl(specs, `http://127.0.0.1:${internal.port}/spec.json`), 'scan');
    const nothing = await importUrl(redirectUrl(specs, `http://127.0.0.1:${closed}/spec.json`), 'scan');
    expect(listening.statusCode).toBe(403);
    expect(nothing.statusCode).toBe(listening.statusCode);
    const { request_id: _one, ...refusal } = listening.json().error;
    const { request_id: _other, ...same } = nothing.json().error;
    expect(same).toEqual(refusal);
    expect(listening.body).not.toMatch(/ECONNREFUSED|answered HTTP/);
    expect(internal.requests).toHaveLength(0);
  });

  it('still follows a redirect that stays within what is allowed', async () => {
    const notes = await startLoopbackServer('127.0.0.2', serveNotes);
    try {
      const response = await importUrl(redirectUrl(specs, `${notes.origin}/notes.yaml`, 301), 'redirected_notes');
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ status: 'created', toolkit: { slug: 'redirected_notes' } });
      expect(notes.requests).toHaveLength(1);
    } finally {
      await notes.close();
    }
  });
});
