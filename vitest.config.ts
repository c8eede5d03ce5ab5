import { defineConfig } from 'vitest/config';

// The whole suite runs twice: on the embedded database and on the machine's PostgreSQL
// (a fresh database per test file, dropped afterwards).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'embedded', env: { SWITCHBOARD_TEST_DB: 'embedded' } } },
      {
        extends: true,
        test: { name: 'postgres', env: { SWITCHBOARD_TEST_DB: 'postgres' }, globalSetup: ['test/helpers/postgres-global-setup.ts'] },
      },
    ],
  },
});
