import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageQuerySchema, pageSchema } from '../../pagination.js';
import { createProjectSchema, projectSchema, type TenancyService, updateProjectSchema } from '../../tenancy/index.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

const idParams = z.object({ id: z.string().min(1).max(64) });

export const projectRoutes: FastifyPluginAsyncZod<{ tenancy: TenancyService }> = async (app, { tenancy }) => {
  const tags = ['projects'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "List projects (all of them for an admin key, else the key's own)",
        querystring: pageQuerySchema,
        response: { 200: pageSchema(projectSchema), ...standardErrorResponses },
      },
    },
    async (request) => tenancy.projects.list(principalOf(request), request.query),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a project (admin)',
        body: createProjectSchema,
        response: { 201: projectSchema, ...standardErrorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await tenancy.projects.create(principalOf(request), request.body)),
  );

  app.get(
    '/:id',
    { schema: { tags, summary: 'Get a project', params: idParams, response: { 200: projectSchema, ...standardErrorResponses } } },
    async (request) => tenancy.projects.get(principalOf(request), request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Rename a project',
        params: idParams,
        body: updateProjectSchema,
        response: { 200: projectSchema, ...standardErrorResponses },
      },
    },
    async (request) => tenancy.projects.update(principalOf(request), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete a project and everything in it (admin)',
        params: idParams,
        response: { 204: z.undefined().describe('Deleted'), ...standardErrorResponses },
      },
    },
    async (request, reply) => {
      await tenancy.projects.remove(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
};
