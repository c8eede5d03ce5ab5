import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that run on the embedded database only; every other file runs twice, on the
 * embedded database and on PostgreSQL (a fresh database per test file, dropped afterwards).
 *
 * PGlite is PostgreSQL itself, so SQL means the same on both; what differs is the driver (a
 * node-postgres pool with real concurrent connections and its own value parsing) and the process
 * model (several instances on one database, LISTEN/NOTIFY, advisory locks). A file stays on both
 * when it exercises storage itself: a resource's records, transactions and races, notifications,
 * several instances or processes, start-up and migrations, secrets at rest, project isolation.
 * A file belongs here when its subject sits above storage (HTTP and JSON-RPC shapes, a client
 * library or a real client program, the CLI's parsing, search, conversion, emulators) and the
 * storage calls it makes are the ones the files on both databases already run on PostgreSQL.
 *
 * An entry ending in `/` covers a whole folder, including files added to it later. A new file
 * anywhere else runs on both until it is listed here: a second run costs minutes, a missed
 * PostgreSQL-only test is never seen (test/architecture.test.ts checks that no file listed here
 * holds one). The timings printed after every run show what a second run costs.
 */
export const embeddedOnly = [
  // Real client programs: AutoGen, Codex, Claude Code, the Composio SDKs, the Python mcp SDK.
  'test/clients/',
  // The TypeScript client library and the Composio-compatible wire shapes.
  'test/client/',
  'test/compat/',
  // Pure modules and tools: no database, or only as the means to reach them.
  'test/architecture.test.ts',
  'test/auth/vault.test.ts',
  'test/cli/',
  'test/config/',
  'test/emulators/',
  'test/fixtures/',
  'test/importer/',
  'test/outbound/',
  'test/search/',
  // Execution and toolkits: arguments, HTTP calls and result shapes against emulators.
  'test/execution/',
  'test/toolkits/',
  // Request and protocol shapes over HTTP and MCP.
  'test/http/bad-input.test.ts',
  'test/http/docs.test.ts',
  'test/mcp/bad-input.test.ts',
  'test/mcp/conformance.test.ts',
  'test/mcp/session-endpoint.test.ts',
  'test/mcp/third-party-clients.test.ts',
  'test/mcp/universal.test.ts',
  // The connect page in a browser, and the stdio bridge (an HTTP client of the server).
  'test/e2e/connect-page.browser.test.ts',
  'test/e2e/connect-relay.test.ts',
  'test/e2e/connect-stdio.test.ts',
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // vitest's default, one worker fewer than CPUs, is a single worker on a 2-core machine. Most of
    // a file's time is spent waiting for a child process (CLI, Python, Codex, Chromium) or a socket,
    // so a second file in parallel uses the core the first one leaves idle.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // `test-artifacts/vitest.json` is what .ci/run's closing line reads; the timing reporter prints
    // the wall time and the 20 slowest files after the summary.
    reporters: ['default', './test/timing-reporter.ts', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
    // Each project's globalSetup makes sure the venv of the Python clients is current (a hash check once it is built).
    projects: [
      { extends: true, test: { name: 'embedded', env: { SWITCHBOARD_TEST_DB: 'embedded' }, globalSetup: ['test/clients/python/setup.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          exclude: [...configDefaults.exclude, ...embeddedOnly.map((entry) => (entry.endsWith('/') ? `${entry}**` : entry))],
          env: { SWITCHBOARD_TEST_DB: 'postgres' },
          globalSetup: ['test/helpers/postgres-global-setup.ts', 'test/clients/python/setup.ts'],
        },
      },
    ],
  },
});
