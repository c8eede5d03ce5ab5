import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthConfigService, authConfigSchema, createAuthConfigSchema, type ToolkitAuthFacts, updateAuthConfigSchema } from '../../auth/index.js';
import type { Catalog } from '../../catalog/index.js';
import { pageQuerySchema, pageSchema } from '../../pagination.js';
import type { Principal } from '../../tenancy/index.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

const idParams = z.object({ id: z.string().min(1).max(64) });

export const authConfigRoutes: FastifyPluginAsyncZod<{ authConfigs: AuthConfigService; catalog: Catalog }> = async (app, { authConfigs, catalog }) => {
  const tags = ['auth-configs'];
  const toolkitFacts =
    (principal: Principal) =>
    (slug: string): Promise<ToolkitAuthFacts> =>
      catalog.authFacts(principal.projectId, slug);

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List auth configs',
        querystring: pageQuerySchema.extend({ toolkit: z.string().max(64).optional() }),
        response: { 200: pageSchema(authConfigSchema), ...standardErrorResponses },
      },
    },
    async (request) => authConfigs.list(principalOf(request), request.query),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: "Create an auth config: how this project's users connect a toolkit (OAuth client, scopes, tool allow-list)",
        body: createAuthConfigSchema,
        response: { 201: authConfigSchema, ...standardErrorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const toolkit = await toolkitFacts(principal)(request.body.toolkit);
      return reply.status(201).send(await authConfigs.create(principal, toolkit, request.body));
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Get an auth config (the client secret is never shown)',
        params: idParams,
        response: { 200: authConfigSchema, ...standardErrorResponses },
      },
    },
    async (request) => authConfigs.get(principalOf(request), request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Update an auth config; a new client_secret replaces the stored one',
        params: idParams,
        body: updateAuthConfigSchema,
        response: { 200: authConfigSchema, ...standardErrorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return authConfigs.update(principal, request.params.id, toolkitFacts(principal), request.body);
    },
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete an auth config', params: idParams, response: { 204: z.undefined(), ...standardErrorResponses } } },
    async (request, reply) => {
      await authConfigs.remove(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
};
