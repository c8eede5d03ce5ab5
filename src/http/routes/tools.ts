import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Catalog, toolViewSchema } from '../../catalog/index.js';
import { SwitchboardError } from '../../errors.js';
import { callerErrorCodes, type Executor } from '../../execution/index.js';
import { offsetPageQuerySchema, pageSchema } from '../../pagination.js';
import { userIdSchema } from '../../tenancy/index.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

const slugParams = z.object({ slug: z.string().min(1).max(200) });

const executeBodySchema = z
  .object({
    user_id: userIdSchema.optional().describe('The end user; a key bound to one user may leave it out.'),
    arguments: z.record(z.string(), z.unknown()).default({}),
    connected_account_id: z.string().max(64).optional(),
  })
  .strict();

export const executionResultSchema = z
  .object({
    data: z.unknown(),
    error: z.string().nullable(),
    successful: z.boolean(),
    log_id: z.string(),
    error_code: z.string().optional(),
    error_details: z.record(z.string(), z.unknown()).optional(),
    pagination: z.object({ style: z.enum(['link', 'offset', 'page']), has_more: z.boolean(), next: z.unknown() }).optional(),
    offload_error: z.string().optional().describe('Set when the result was too large for the session but could not be stored: `data` is the whole result.'),
  })
  .meta({ id: 'ExecutionResult' });

export const toolRoutes: FastifyPluginAsyncZod<{ catalog: Catalog; executor: Executor }> = async (app, { catalog, executor }) => {
  const tags = ['tools'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List tools, filtered by toolkit, words (q) and tags',
        querystring: offsetPageQuerySchema.extend({
          toolkit: z.string().max(64).optional(),
          q: z.string().max(500).optional(),
          tags: z.string().max(500).optional().describe('Comma-separated; a tool must carry all of them.'),
        }),
        response: { 200: pageSchema(toolViewSchema), ...standardErrorResponses },
      },
    },
    async (request) => catalog.listTools(principalOf(request), request.query),
  );

  app.get(
    '/:slug',
    { schema: { tags, summary: 'Get a tool with its input schema', params: slugParams, response: { 200: toolViewSchema, ...standardErrorResponses } } },
    async (request) => catalog.getTool(principalOf(request), request.params.slug),
  );

  app.post(
    '/:slug/execute',
    {
      schema: {
        tags,
        summary: 'Execute a tool for an end user with their connected account',
        description:
          'Answers 200 with `successful:false` when the upstream API failed (its status and message are in `error`/`error_details`); problems with the call itself (unknown tool, bad arguments, no connected account, blocked address) are 4xx errors. Both leave an audit row (`log_id`).',
        params: slugParams,
        body: executeBodySchema,
        response: { 200: executionResultSchema, ...standardErrorResponses },
      },
    },
    async (request) => {
      const controller = new AbortController();
      request.raw.once('close', () => {
        if (!request.raw.complete) controller.abort();
      });
      const result = await executor.execute(
        principalOf(request),
        {
          tool_slug: request.params.slug,
          user_id: request.body.user_id,
          arguments: request.body.arguments,
          connected_account_id: request.body.connected_account_id,
        },
        controller.signal,
      );
      if (!result.successful && result.error_code && callerErrorCodes.has(result.error_code)) {
        throw new SwitchboardError(result.error_code, result.error ?? result.error_code, { ...result.error_details, log_id: result.log_id });
      }
      return result;
    },
  );
};
