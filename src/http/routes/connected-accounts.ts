import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ConnectedAccountService, connectedAccountSchema } from '../../auth/index.js';
import type { Catalog } from '../../catalog/index.js';
import { SwitchboardError } from '../../errors.js';
import { pageQuerySchema, pageSchema } from '../../pagination.js';
import { userIdSchema } from '../../tenancy/index.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

const idParams = z.object({ id: z.string().min(1).max(64) });

const createBodySchema = z
  .object({
    user_id: userIdSchema,
    toolkit: z.string().min(1).max(64),
    auth_scheme: z.enum(['none', 'api_key', 'basic', 'bearer']).optional().describe("Defaults to the toolkit's first scheme that takes typed-in credentials."),
    credentials: z.record(z.string(), z.string().max(8192)).default({}).describe('Write-only: never returned.'),
    base_url: z.url().optional().describe('Another base URL for this account (self-hosted or regional API); outbound safety rules apply.'),
    server_urls: z.record(z.string(), z.url()).optional(),
    alias: z.string().min(1).max(100).optional(),
  })
  .strict();

export const connectedAccountRoutes: FastifyPluginAsyncZod<{ accounts: ConnectedAccountService; catalog: Catalog }> = async (app, { accounts, catalog }) => {
  const tags = ['connected-accounts'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List connected accounts (credentials are never shown)',
        querystring: pageQuerySchema.extend({ user_id: z.string().max(256).optional(), toolkit: z.string().max(64).optional() }),
        response: { 200: pageSchema(connectedAccountSchema), ...standardErrorResponses },
      },
    },
    async (request) => accounts.list(principalOf(request), request.query),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Connect an account by posting its credentials (API key, basic, bearer)',
        body: createBodySchema,
        response: { 201: connectedAccountSchema, ...standardErrorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { toolkit } = await catalog.findToolkit(principal.projectId, request.body.toolkit);
      const wanted = request.body.auth_scheme;
      const scheme = wanted ? toolkit.auth.find((candidate) => candidate.type === wanted) : toolkit.auth.find((candidate) => candidate.type !== 'oauth2');
      if (!scheme) {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          `${toolkit.slug} does not accept ${wanted ?? 'typed-in credentials'}; it accepts ${toolkit.auth.map((s) => s.type).join(', ')}.`,
          { field: 'auth_scheme' },
        );
      }
      const created = await accounts.create(principal, {
        user_id: request.body.user_id,
        toolkit: toolkit.slug,
        scheme,
        credentials: request.body.credentials,
        base_url: request.body.base_url,
        server_urls: request.body.server_urls,
        alias: request.body.alias,
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/:id',
    { schema: { tags, summary: 'Get a connected account', params: idParams, response: { 200: connectedAccountSchema, ...standardErrorResponses } } },
    async (request) => accounts.get(principalOf(request), request.params.id),
  );

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(
      `/:id/${action}`,
      {
        schema: {
          tags,
          summary: enabled ? 'Enable a disabled account' : 'Disable an account: it keeps its credentials but runs no tools until enabled',
          params: idParams,
          response: { 200: connectedAccountSchema, ...standardErrorResponses },
        },
      },
      async (request) => accounts.setEnabled(principalOf(request), request.params.id, enabled),
    );
  }

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete a connected account and its credentials',
        params: idParams,
        response: { 204: z.undefined(), ...standardErrorResponses },
      },
    },
    async (request, reply) => {
      await accounts.remove(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
};
