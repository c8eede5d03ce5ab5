import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwitchboardError } from '../../src/errors.js';
import { startTestServer, type TestServer, testDatabaseAvailable } from '../helpers/server.js';

describe.skipIf(!testDatabaseAvailable())('end users', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t?.close());

  it('are created on first mention, per project, and only once', async () => {
    const projectId = t.server.bootstrapResult.created!.project.id;
    const { tenancy, database } = t.server;
    expect(await tenancy.ensureUser(projectId, 'alice@example.com')).toBe('alice@example.com');
    await tenancy.ensureUser(projectId, 'alice@example.com');
    await tenancy.ensureUser(projectId, 'bob');
    const result = await database.db.execute(sql`select user_id from users where project_id = ${projectId} order by user_id`);
    expect((result as unknown as { rows: { user_id: string }[] }).rows.map((row) => row.user_id)).toEqual(['alice@example.com', 'bob']);
  });

  it('reject ids that are empty, too long or carry control characters', async () => {
    const projectId = t.server.bootstrapResult.created!.project.id;
    for (const bad of ['', 'x'.repeat(257), 'line\nbreak', 'nul\u0000']) {
      await expect(t.server.tenancy.ensureUser(projectId, bad)).rejects.toThrow(SwitchboardError);
    }
  });
});
