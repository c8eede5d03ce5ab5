import { join } from 'node:path';
import { repoRoot } from '../helpers/process.js';
import { describeComposioSdk } from './composio-sdk-suite.js';

// The official TypeScript SDK (`@composio/core`, pinned in package.json; it needs Node >= 22, taken
// from the `node` package) through the flow of composio-sdk-suite.ts. It checks its session config
// itself, before any request, so a malformed one is its own ZodError.
describeComposioSdk({
  title: 'Composio TypeScript SDK against Switchboard',
  user: 'ts-sdk-user',
  executable: join(repoRoot, 'node_modules', 'node', 'bin', 'node'),
  script: join(import.meta.dirname, 'ts', 'composio-sdk-flow.mjs'),
  malformedConfigError: 'ZodError',
});
