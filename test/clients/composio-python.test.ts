import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { runClientProgram } from '../helpers/client-program.js';
import { describeComposioSdk } from './composio-sdk-suite.js';

// The official Python SDK (`composio`, pinned in python/requirements.txt) through the flow of
// composio-sdk-suite.ts, plus its session lifecycle and the top-level resources.
const { python, reason } = inject('pythonClients');
if (!python && process.env.CI) throw new Error(`The Composio SDK tests need the Python clients under CI: ${reason}`);
const user = 'sdk-user';

describeComposioSdk(
  {
    title: 'Composio Python SDK against Switchboard',
    user,
    executable: python,
    script: join(import.meta.dirname, 'python', 'composio_sdk_flow.py'),
    malformedConfigError: 'BadRequestError',
  },
  (suite) => {
    it('creates through composio.tool_router, wraps the meta-tools with a provider, updates and deletes a session', async () => {
      const run = await suite.sdk('lifecycle', user);
      expect(run.tool_names).toEqual([
        'COMPOSIO_SEARCH_TOOLS',
        'COMPOSIO_GET_TOOL_SCHEMAS',
        'COMPOSIO_MANAGE_CONNECTIONS',
        'COMPOSIO_WAIT_FOR_CONNECTIONS',
        'COMPOSIO_MULTI_EXECUTE_TOOL',
      ]);
      expect(run.updated_toolkits).toEqual(['backendless', 'bitbucket']);
      expect(run.search_after_update).toContain('BITBUCKET_CREATE_BRANCH');
      expect(run.after_delete).toMatchObject({ type: 'NotFoundError' });
      expect(run.after_delete.message).toContain('was not found');
    }, 120_000);

    it('covers the top-level resources: tools, toolkits, connected accounts and auth configs (composio_resources_smoke.py)', async () => {
      const run = await runClientProgram(python!, [join(import.meta.dirname, 'python', 'composio_resources_smoke.py')], suite.env());
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('composio resources smoke: ok');
    }, 120_000);
  },
);
