import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  asOurInput,
  composioErrorBody,
  composioExecution,
  composioLink,
  composioSearchResult,
  composioSession,
  composioSessionBodySchema,
  composioToolkits,
  notServed,
  toCreateSessionInput,
  toUpdateSessionInput,
} from '../../compat/composio/index.js';
import { createSessionSchema, type Router, updateSessionSchema } from '../../router/index.js';
import { toSwitchboardError } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';
import { type ComposioResourceServices, composioResourceRoutes } from './composio-resources.js';

/** The API versions of Composio's SDKs: 3.1 today, 3 for older ones. Both paths serve the same. */
export const composioApiPrefixes = ['/api/v3.1', '/api/v3'] as const;

const sessionParams = z.object({ session_id: z.string().min(1).max(64) });
const searchBody = z.object({
  queries: z.array(z.object({ use_case: z.string(), known_fields: z.string().optional() }).passthrough()).min(1),
  model: z.string().optional(),
  search_strategy: z.string().optional(),
  toolkits: z.array(z.string()).optional(),
});
const executeBody = z.object({ tool_slug: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() }).passthrough();
const executeMetaBody = z.object({ slug: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() }).passthrough();
const linkBody = z.object({ toolkit: z.string().min(1), callback_url: z.string().optional(), alias: z.string().optional() }).passthrough();
const toolkitsQuery = z.object({
  toolkits: z.union([z.string(), z.array(z.string())]).optional(),
  is_connected: z.enum(['true', 'false']).optional(),
  search: z.string().optional(),
  limit: z.string().optional(),
  cursor: z.string().optional(),
});

const comma = (value: string | string[] | undefined) =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(','));

/** Composio's tool-router REST API over Switchboard's sessions, under one prefix. */
const composioRoutesAt: FastifyPluginAsyncZod<ComposioRouteServices> = async (app, { router, ...resources }) => {
  app.setErrorHandler((error, request, reply) => {
    const mapped = toSwitchboardError(error);
    if (mapped.status >= 500 && mapped.code !== 'NOT_IMPLEMENTED') request.log.error({ err: error }, 'request failed');
    return reply.status(mapped.status).send(composioErrorBody(mapped, request.id));
  });
  const open = (request: FastifyRequest<{ Params: { session_id: string } }>) => router.open(principalOf(request), request.params.session_id);

  app.post('/tool_router/session', { schema: { hide: true, body: composioSessionBodySchema } }, async (request, reply) => {
    const view = await router.create(principalOf(request), asOurInput(createSessionSchema, toCreateSessionInput(request.body)));
    return reply.status(201).send(composioSession(view));
  });
  app.get('/tool_router/session/:session_id', { schema: { hide: true, params: sessionParams } }, async (request) =>
    composioSession(await router.get(principalOf(request), request.params.session_id)),
  );
  app.patch('/tool_router/session/:session_id', { schema: { hide: true, params: sessionParams, body: composioSessionBodySchema } }, async (request) => {
    const input = asOurInput(updateSessionSchema, toUpdateSessionInput(request.body));
    return composioSession(await router.update(principalOf(request), request.params.session_id, input));
  });
  app.delete('/tool_router/session/:session_id', { schema: { hide: true, params: sessionParams } }, async (request) => {
    await router.remove(principalOf(request), request.params.session_id);
    return { session_id: request.params.session_id, deleted: true };
  });
  app.post('/tool_router/session/:session_id/search', { schema: { hide: true, params: sessionParams, body: searchBody } }, async (request) => {
    const context = await open(request);
    const queries = request.body.queries.map((query) => ({ use_case: query.use_case, ...(query.known_fields ? { known_fields: query.known_fields } : {}) }));
    const result = await router.search(context, { queries, ...(request.body.toolkits ? { toolkits: request.body.toolkits } : {}) });
    return composioSearchResult(result, {});
  });
  app.post('/tool_router/session/:session_id/execute', { schema: { hide: true, params: sessionParams, body: executeBody } }, async (request) => {
    const context = await open(request);
    return composioExecution(await router.execute(context, { tool_slug: request.body.tool_slug, arguments: request.body.arguments ?? {} }));
  });
  app.post('/tool_router/session/:session_id/execute_meta', { schema: { hide: true, params: sessionParams, body: executeMetaBody } }, async (request) => {
    const context = await open(request);
    const outcome = await router.callTool(context, request.body.slug, request.body.arguments ?? {});
    const wrapped = outcome.data as { data?: unknown; error?: string | null };
    return { data: wrapped.data ?? {}, error: wrapped.error ?? null, log_id: '', result_type: outcome.isError ? 'failed' : 'completed' };
  });
  app.post('/tool_router/session/:session_id/link', { schema: { hide: true, params: sessionParams, body: linkBody } }, async (request, reply) => {
    const context = await open(request);
    const link = await router.link(context, {
      toolkit: request.body.toolkit,
      ...(request.body.callback_url ? { callback_url: request.body.callback_url } : {}),
      ...(request.body.alias ? { alias: request.body.alias } : {}),
    });
    return reply.status(201).send(composioLink(link));
  });
  app.get('/tool_router/session/:session_id/toolkits', { schema: { hide: true, params: sessionParams, querystring: toolkitsQuery } }, async (request) => {
    const context = await open(request);
    const wanted = comma(request.query.toolkits);
    const { items } = await router.toolkits(context, {
      connected: request.query.is_connected === undefined ? undefined : request.query.is_connected === 'true',
      search: request.query.search,
    });
    return composioToolkits(wanted ? items.filter((item) => wanted.includes(item.toolkit)) : items, context.session.userId);
  });
  app.get('/tool_router/session/:session_id/tools', { schema: { hide: true, params: sessionParams } }, async (request) => {
    const context = await open(request);
    const tools = await router.listTools(context);
    return {
      items: tools.map((tool) => ({
        slug: tool.name,
        name: tool.title,
        description: tool.description,
        input_parameters: tool.inputSchema,
        output_parameters: {},
        toolkit: { slug: 'composio', name: 'composio', logo: '' },
        tags: Object.entries(tool.annotations ?? {})
          .filter(([, on]) => on)
          .map(([hint]) => hint),
        no_auth: true,
        is_deprecated: false,
        version: '',
        available_versions: [],
        deprecated: { is_deprecated: false, available_versions: [], displayName: tool.title, version: '', toolkit: { logo: '' } },
      })),
      next_cursor: null,
      total_items: tools.length,
      total_pages: 1,
      current_page: 1,
    };
  });

  await composioResourceRoutes(app, resources);

  app.all('/*', { schema: { hide: true } }, async (request) => {
    throw notServed(request.method, request.url.split('?')[0]!);
  });
};

export interface ComposioRouteServices extends ComposioResourceServices {
  router: Router;
}

export async function composioRoutes(app: FastifyInstance, services: ComposioRouteServices): Promise<void> {
  for (const prefix of composioApiPrefixes) await app.register(composioRoutesAt, { prefix, ...services });
}
