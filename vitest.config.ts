import { defineConfig } from 'vitest/config';

// The whole suite runs twice: on the embedded database and on the machine's PostgreSQL
// (a fresh database per test file, dropped afterwards). Each project's globalSetup makes sure the
// venv of the Python MCP clients is current (a hash check once it is built).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'embedded', env: { SWITCHBOARD_TEST_DB: 'embedded' }, globalSetup: ['test/clients/python/setup.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          env: { SWITCHBOARD_TEST_DB: 'postgres' },
          globalSetup: ['test/helpers/postgres-global-setup.ts', 'test/clients/python/setup.ts'],
        },
      },
    ],
  },
});
