import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Catalog, toolkitDefinitionSchema, toolkitViewSchema, toolViewSchema } from '../../catalog/index.js';
import { offsetPageQuerySchema, pageSchema } from '../../pagination.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

const slugParams = z.object({ slug: z.string().min(1).max(64) });

export const toolkitRoutes: FastifyPluginAsyncZod<{ catalog: Catalog }> = async (app, { catalog }) => {
  const tags = ['toolkits'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "List toolkits: built-in and this project's own",
        querystring: offsetPageQuerySchema,
        response: { 200: pageSchema(toolkitViewSchema), ...standardErrorResponses },
      },
    },
    async (request) => catalog.listToolkits(principalOf(request), request.query),
  );

  app.get(
    '/:slug',
    {
      schema: {
        tags,
        summary: 'Get a toolkit with its tools',
        params: slugParams,
        response: { 200: toolkitViewSchema.extend({ tools: z.array(toolViewSchema) }), ...standardErrorResponses },
      },
    },
    async (request) => catalog.getToolkit(principalOf(request), request.params.slug),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create or update a project toolkit from a definition (the format of schemas/toolkit.schema.json)',
        // The definition's own schema: the document shows what a valid body is, and the route refuses the rest.
        body: toolkitDefinitionSchema,
        response: { 200: toolkitViewSchema, ...standardErrorResponses },
      },
    },
    async (request) => catalog.upsertToolkit(principalOf(request), request.body),
  );

  app.delete(
    '/:slug',
    { schema: { tags, summary: 'Delete a project toolkit', params: slugParams, response: { 204: z.undefined(), ...standardErrorResponses } } },
    async (request, reply) => {
      await catalog.deleteToolkit(principalOf(request), request.params.slug);
      return reply.status(204).send();
    },
  );
};
