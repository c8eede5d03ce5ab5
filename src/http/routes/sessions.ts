import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { connectLinkSchema } from '../../auth/index.js';
import { SwitchboardError } from '../../errors.js';
import { callerErrorCodes } from '../../execution/index.js';
import { pageQuerySchema } from '../../pagination.js';
import { createSessionSchema, type Router, type SessionView, searchToolsInput, sessionConfigSchema, updateSessionSchema } from '../../router/index.js';
import { standardErrorResponses } from '../errors.js';
import { presentedApiKey, principalOf } from '../plugins/authenticate.js';
import { executionResultSchema } from './tools.js';

const idParams = z.object({ id: z.string().min(1).max(64) });

const sessionSchema = z
  .object({
    session_id: z.string(),
    user_id: z.string(),
    mcp: z.object({
      type: z.literal('http'),
      url: z.string().describe('Streamable HTTP endpoint of this session; send the headers below.'),
      headers: z.record(z.string(), z.string()).describe('The API key this request used, as the MCP client should send it.'),
      token_url: z.string().describe('The same endpoint for clients that cannot send headers: the token in it acts for this session only.'),
    }),
    tools: z.array(z.string()).describe('What tools/list shows: the meta-tools, or the allowed tools in direct mode.'),
    config: sessionConfigSchema,
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    expires_at: z.string().nullable(),
  })
  .meta({ id: 'Session' });

const searchBodySchema = z
  .object({
    queries: searchToolsInput.shape.queries.optional(),
    query: z.string().trim().min(1).max(1024).optional().describe('Shorthand for one query.'),
    toolkits: searchToolsInput.shape.toolkits,
    limit: z.number().int().min(1).max(20).optional().describe('Tools per query (default 5).'),
  })
  .strict()
  .refine((body) => body.queries !== undefined || body.query !== undefined, {
    message: 'send "queries" (a list of {use_case}) or "query" (one use case)',
    path: ['queries'],
  })
  .meta({ anyOf: [{ required: ['queries'] }, { required: ['query'] }] });

/** @param toolsChanged told when a change altered a session's tool list (2026-era listen streams hear of it). */
export const sessionRoutes: FastifyPluginAsyncZod<{ router: Router; toolsChanged: () => void }> = async (app, { router, toolsChanged }) => {
  const tags = ['sessions'];
  const present = (request: FastifyRequest, view: SessionView) => ({
    ...view,
    mcp: { ...view.mcp, headers: { 'x-api-key': presentedApiKey(request) ?? '' } },
  });
  const sessionResponse = { 200: sessionSchema, ...standardErrorResponses };
  const open = (request: FastifyRequest<{ Params: { id: string } }>) => router.open(principalOf(request), request.params.id);

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a tool-router session for an end user: one MCP URL, limited to the toolkits, tools and tags given',
        body: createSessionSchema,
        response: { 201: sessionSchema, ...standardErrorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(present(request, await router.create(principalOf(request), request.body))),
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List sessions (a user-bound key sees its own user only)',
        querystring: pageQuerySchema.extend({ user_id: z.string().max(256).optional() }),
        response: { 200: z.object({ items: z.array(sessionSchema), next_cursor: z.string().nullable() }), ...standardErrorResponses },
      },
    },
    async (request) => {
      const page = await router.list(principalOf(request), request.query);
      return { items: page.items.map((view) => present(request, view)), next_cursor: page.next_cursor };
    },
  );

  app.get('/:id', { schema: { tags, summary: 'Get a session', params: idParams, response: sessionResponse } }, async (request) =>
    present(request, await router.get(principalOf(request), request.params.id)),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Change blocks of a session policy; with expected_version a concurrent change answers 409',
        params: idParams,
        body: updateSessionSchema,
        response: sessionResponse,
      },
    },
    async (request) => {
      const { changed, ...view } = await router.update(principalOf(request), request.params.id, request.body);
      if (changed) toolsChanged();
      return present(request, view);
    },
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a session; its MCP URL stops working', params: idParams, response: { 204: z.undefined(), ...standardErrorResponses } } },
    async (request, reply) => {
      await router.remove(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/:id/search',
    {
      schema: {
        tags,
        summary: 'search_tools over REST: ranked tools (with schemas and connection status) the session may use',
        params: idParams,
        body: searchBodySchema,
        response: { 200: z.record(z.string(), z.unknown()), ...standardErrorResponses },
      },
    },
    async (request) => {
      const { query, queries, ...rest } = request.body;
      return router.search(await open(request), { ...rest, queries: queries ?? (query ? [{ use_case: query }] : []) });
    },
  );

  app.post(
    '/:id/execute',
    {
      schema: {
        tags,
        summary: 'Execute a tool within the session (its policy and accounts apply)',
        params: idParams,
        body: z.object({ tool_slug: z.string().min(1).max(200), arguments: z.record(z.string(), z.unknown()).default({}) }).strict(),
        response: { 200: executionResultSchema, ...standardErrorResponses },
      },
    },
    async (request) => {
      const result = await router.execute(await open(request), request.body);
      if (!result.successful && result.error_code && callerErrorCodes.has(result.error_code)) {
        throw new SwitchboardError(result.error_code, result.error ?? result.error_code, { ...result.error_details, log_id: result.log_id });
      }
      return result;
    },
  );

  app.post(
    '/:id/link',
    {
      schema: {
        tags,
        summary: "A connect link for the session's user and a toolkit (the session's auth config and callback apply)",
        params: idParams,
        body: z.object({ toolkit: z.string().min(1).max(64), callback_url: z.url().optional(), alias: z.string().max(100).optional() }).strict(),
        response: { 201: connectLinkSchema, ...standardErrorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await router.link(await open(request), request.body)),
  );

  app.get(
    '/:id/results/:resultId',
    {
      schema: {
        tags,
        summary: 'A tool result the session stored instead of returning (larger than workbench.auto_offload_threshold)',
        params: idParams.extend({ resultId: z.string().min(1).max(64) }),
        response: { 200: z.record(z.string(), z.unknown()), ...standardErrorResponses },
      },
    },
    async (request) => router.storedResult(await open(request), request.params.resultId),
  );

  app.get(
    '/:id/toolkits',
    {
      schema: {
        tags,
        summary: 'Toolkits the session may use, with the user\u2019s connection to each',
        params: idParams,
        querystring: z.object({ connected: z.enum(['true', 'false']).optional(), search: z.string().max(200).optional() }),
        response: { 200: z.object({ items: z.array(z.record(z.string(), z.unknown())) }), ...standardErrorResponses },
      },
    },
    async (request) =>
      router.toolkits(await open(request), {
        connected: request.query.connected === undefined ? undefined : request.query.connected === 'true',
        search: request.query.search,
      }),
  );
};
