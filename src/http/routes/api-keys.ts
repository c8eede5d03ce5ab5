import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageQuerySchema, pageSchema } from '../../pagination.js';
import { apiKeySchema, createApiKeySchema, createdApiKeySchema, listApiKeysQuerySchema, type TenancyService, updateApiKeySchema } from '../../tenancy/index.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

const idParams = z.object({ id: z.string().min(1).max(64) });

export const apiKeyRoutes: FastifyPluginAsyncZod<{ tenancy: TenancyService }> = async (app, { tenancy }) => {
  const tags = ['api-keys'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List API keys of a project (secrets are never shown)',
        querystring: pageQuerySchema.extend(listApiKeysQuerySchema.shape),
        response: { 200: pageSchema(apiKeySchema), ...standardErrorResponses },
      },
    },
    async (request) => tenancy.apiKeys.list(principalOf(request), request.query),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create an API key; the response is the only time the key is shown',
        body: createApiKeySchema,
        response: { 201: createdApiKeySchema, ...standardErrorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await tenancy.apiKeys.create(principalOf(request), request.body)),
  );

  app.get(
    '/:id',
    { schema: { tags, summary: 'Get an API key', params: idParams, response: { 200: apiKeySchema, ...standardErrorResponses } } },
    async (request) => tenancy.apiKeys.get(principalOf(request), request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Rename an API key (an admin key only with an admin key)',
        params: idParams,
        body: updateApiKeySchema,
        response: { 200: apiKeySchema, ...standardErrorResponses },
      },
    },
    async (request) => tenancy.apiKeys.rename(principalOf(request), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API key (immediate on every instance; the record is kept for audit)',
        params: idParams,
        response: { 200: apiKeySchema, ...standardErrorResponses },
      },
    },
    async (request) => tenancy.apiKeys.revoke(principalOf(request), request.params.id),
  );
};
