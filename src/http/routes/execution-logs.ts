import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SwitchboardError } from '../../errors.js';
import { type AuditLog, executionLogSchema } from '../../execution/index.js';
import { pageQuerySchema, pageSchema } from '../../pagination.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

export const executionLogRoutes: FastifyPluginAsyncZod<{ audit: AuditLog }> = async (app, { audit }) => {
  const tags = ['audit'];
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Audit of tool executions (no arguments, no secrets)',
        querystring: pageQuerySchema.extend({ user_id: z.string().max(256).optional(), tool_slug: z.string().max(200).optional() }),
        response: { 200: pageSchema(executionLogSchema), ...standardErrorResponses },
      },
    },
    async (request) => audit.list(principalOf(request), request.query),
  );
  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One execution',
        params: z.object({ id: z.string().max(64) }),
        response: { 200: executionLogSchema, ...standardErrorResponses },
      },
    },
    async (request) => {
      const log = await audit.get(principalOf(request), request.params.id);
      if (!log) throw new SwitchboardError('NOT_FOUND', `Execution log ${request.params.id} was not found.`, { log_id: request.params.id });
      return log;
    },
  );
};
