import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type AuthConfigService,
  type AuthConfigView,
  type ConnectedAccountService,
  type ConnectLinkService,
  createAuthConfigSchema,
  createConnectedAccountSchema,
  createConnectLinkSchema,
} from '../../auth/index.js';
import type { Catalog, ToolDefinition, ToolkitDefinition } from '../../catalog/index.js';
import {
  accountsQuerySchema,
  asOurInput,
  authConfigFilter,
  authConfigsQuerySchema,
  checkToolkitVersion,
  composioAccount,
  composioAuthConfig,
  composioAuthScheme,
  composioCreatedAuthConfig,
  composioInitiated,
  composioLinkResponse,
  composioPage,
  composioStatus,
  composioTool,
  composioToolkitDetail,
  composioToolkitItem,
  composioToolResult,
  createAuthConfigBodySchema,
  filterToolkits,
  initiateBodySchema,
  linkBodySchema,
  listComposioAccounts,
  listParam,
  notServed,
  pageLimit,
  refuseUnsupportedToolFilters,
  toConnectLinkInput,
  toCreateAuthConfigInput,
  toExecuteRequest,
  toInitiatePlan,
  toolExecuteBodySchema,
  toolkitSlugsOf,
  toolkitsQuerySchema,
  toolQuerySchema,
  toolsQuerySchema,
  unknownAuthConfig,
} from '../../compat/composio/index.js';
import { SwitchboardError } from '../../errors.js';
import { callerErrorCodes, type Executor } from '../../execution/index.js';
import type { Principal } from '../../tenancy/index.js';
import { principalOf } from '../plugins/authenticate.js';

export interface ComposioResourceServices {
  catalog: Catalog;
  executor: Executor;
  accounts: ConnectedAccountService;
  connectLinks: ConnectLinkService;
  authConfigs: AuthConfigService;
}

const toolParams = z.object({ tool_slug: z.string().min(1).max(200) });
const toolkitParams = z.object({ slug: z.string().min(1).max(64) });
const accountParams = z.object({ nanoid: z.string().min(1).max(64) });
const toolkitQuery = z.object({ version: z.string().optional() }).strict();

/** Walks every page of a service list: Composio's filters and totals need the whole set. */
async function everyPage<T>(list: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    all.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

/** Composio's top-level resources (tools, toolkits, connected accounts, auth configs) over Switchboard's services. */
export async function composioResourceRoutes(app: FastifyInstance, services: ComposioResourceServices): Promise<void> {
  // Only the services: the caller's plugin options also carry its prefix, which must not apply twice.
  const { catalog, executor, accounts, connectLinks, authConfigs } = services;
  await app.register(resources, { catalog, executor, accounts, connectLinks, authConfigs });
}

const resources: FastifyPluginAsyncZod<ComposioResourceServices> = async (app, { catalog, executor, accounts, connectLinks, authConfigs }) => {
  const schema = { hide: true };

  /** The tools of `slugs`, with their toolkits: an unknown slug is a 404 naming it. */
  async function toolsBySlug(principal: Principal, slugs: string[]) {
    return Promise.all(slugs.map((slug) => catalog.findTool(principal.projectId, slug)));
  }

  app.get('/tools', { schema: { ...schema, querystring: toolsQuerySchema } }, async (request) => {
    const principal = principalOf(request);
    const query = request.query;
    refuseUnsupportedToolFilters(query);
    const slugs = listParam(query.tool_slugs);
    let found: { toolkit: ToolkitDefinition; tool: ToolDefinition }[];
    if (slugs) {
      found = await toolsBySlug(principal, slugs);
    } else {
      // The catalog's word and tag filter, per toolkit; `important` has no counterpart, so every matching tool is listed.
      const filter = { q: query.query ?? query.search, tags: listParam(query.tags)?.join(','), limit: Number.MAX_SAFE_INTEGER };
      const toolkitSlugs = listParam(query.toolkit_slug);
      const pages = toolkitSlugs
        ? await Promise.all(toolkitSlugs.map((toolkit) => catalog.listTools(principal, { ...filter, toolkit })))
        : [await catalog.listTools(principal, filter)];
      const toolkits = new Map<string, ToolkitDefinition>();
      found = [];
      for (const view of pages.flatMap((page) => page.items)) {
        let toolkit = toolkits.get(view.toolkit.slug);
        if (!toolkit) {
          toolkit = (await catalog.findToolkit(principal.projectId, view.toolkit.slug)).toolkit;
          toolkits.set(toolkit.slug, toolkit);
        }
        const tool = toolkit.tools.find((candidate) => candidate.slug === view.slug);
        if (tool) found.push({ toolkit, tool });
      }
    }
    for (const toolkit of new Set(found.map((entry) => entry.toolkit))) checkToolkitVersion(toolkit, query);
    return composioPage(
      found.map(({ toolkit, tool }) => composioTool(toolkit, tool)),
      pageLimit(query.limit),
      query.cursor,
    );
  });
  for (const path of ['/tools/enum', '/tools/execute/proxy', '/tools/scopes/required']) {
    app.all(path, { schema }, async (request) => {
      throw notServed(request.method, request.url.split('?')[0]!);
    });
  }
  app.get('/tools/:tool_slug', { schema: { ...schema, params: toolParams, querystring: toolQuerySchema } }, async (request) => {
    const { toolkit, tool } = await catalog.findTool(principalOf(request).projectId, request.params.tool_slug);
    checkToolkitVersion(
      toolkit,
      request.query.version ? { version: request.query.version } : request.query,
      request.query.version ? 'version' : 'toolkit_versions',
    );
    return composioTool(toolkit, tool);
  });
  app.post('/tools/execute/:tool_slug', { schema: { ...schema, params: toolParams, body: toolExecuteBodySchema } }, async (request) => {
    const principal = principalOf(request);
    const { toolkit } = await catalog.findTool(principal.projectId, request.params.tool_slug);
    checkToolkitVersion(toolkit, { version: request.body.version }, 'version');
    const controller = new AbortController();
    request.raw.once('close', () => {
      if (!request.raw.complete) controller.abort();
    });
    const result = await executor.execute(principal, toExecuteRequest(request.params.tool_slug, request.body), controller.signal);
    if (!result.successful && result.error_code && callerErrorCodes.has(result.error_code)) {
      throw new SwitchboardError(result.error_code, result.error ?? result.error_code, { ...result.error_details, log_id: result.log_id });
    }
    return composioToolResult(result);
  });

  app.get('/toolkits', { schema: { ...schema, querystring: toolkitsQuerySchema } }, async (request) => {
    const visible = filterToolkits(await catalog.visibleToolkits(principalOf(request).projectId), request.query);
    return composioPage(
      visible.map(({ toolkit, source }) => composioToolkitItem(toolkit, source)),
      pageLimit(request.query.limit),
      request.query.cursor,
    );
  });
  for (const path of ['/toolkits/categories', '/toolkits/changelog', '/toolkits/multi']) {
    app.all(path, { schema }, async (request) => {
      throw notServed(request.method, request.url.split('?')[0]!);
    });
  }
  app.get('/toolkits/:slug', { schema: { ...schema, params: toolkitParams, querystring: toolkitQuery } }, async (request) => {
    const { toolkit, source } = await catalog.findToolkit(principalOf(request).projectId, request.params.slug);
    checkToolkitVersion(toolkit, { version: request.query.version }, 'version');
    return composioToolkitDetail(toolkit, source);
  });

  app.get('/connected_accounts', { schema: { ...schema, querystring: accountsQuerySchema } }, async (request) =>
    listComposioAccounts(accounts, principalOf(request), request.query),
  );
  /** The caller's auth config `id`, or the hint for an SDK that names one Switchboard does not have. */
  const authConfigFor = (principal: Principal, id: string) =>
    authConfigs.get(principal, id).catch((error: unknown) => {
      throw error instanceof SwitchboardError && error.code === 'NOT_FOUND' ? unknownAuthConfig(id) : error;
    });

  app.post('/connected_accounts', { schema: { ...schema, body: initiateBodySchema } }, async (request, reply) => {
    const principal = principalOf(request);
    const config = await authConfigFor(principal, request.body.auth_config.id);
    const scheme = composioAuthScheme(config.scheme);
    const plan = toInitiatePlan(request.body, { id: config.id, toolkit: config.toolkit, scheme });
    if (plan.kind === 'link') {
      const link = await connectLinks.create(principal, asOurInput(createConnectLinkSchema, plan.input));
      return reply
        .status(201)
        .send(composioInitiated({ id: link.connected_account_id, status: 'INITIATED', redirect_url: link.redirect_url, auth_config_id: config.id, scheme }));
    }
    const account = await accounts.create(principal, asOurInput(createConnectedAccountSchema, plan.input)).catch((error: unknown) => {
      // The service names credential fields as `credentials.…`; the caller sent them in connection.state.val.
      const field = error instanceof SwitchboardError ? error.details?.field : undefined;
      if (error instanceof SwitchboardError && typeof field === 'string' && /^(credentials\.|base_url$)/.test(field)) {
        const theirs = `connection.state.val.${field.replace(/^credentials\./, '')}`;
        throw new SwitchboardError(error.code, `${theirs}: ${error.message}`, { ...error.details, field: theirs });
      }
      throw error;
    });
    return reply.status(201).send(
      composioInitiated({
        id: account.id,
        status: composioStatus(account.status),
        redirect_url: null,
        auth_config_id: config.id,
        scheme,
        base_url: account.base_url,
      }),
    );
  });
  app.post('/connected_accounts/link', { schema: { ...schema, body: linkBodySchema } }, async (request, reply) => {
    const principal = principalOf(request);
    const config = await authConfigFor(principal, request.body.auth_config_id);
    const input = asOurInput(createConnectLinkSchema, toConnectLinkInput(request.body, config.toolkit));
    return reply.status(201).send(composioLinkResponse(await connectLinks.create(principal, input)));
  });
  app.get('/connected_accounts/:nanoid', { schema: { ...schema, params: accountParams } }, async (request) =>
    composioAccount(await accounts.get(principalOf(request), request.params.nanoid)),
  );
  app.delete('/connected_accounts/:nanoid', { schema: { ...schema, params: accountParams } }, async (request) => {
    await accounts.remove(principalOf(request), request.params.nanoid);
    return { success: true };
  });

  /** Composio's list item for a config: the toolkit's logo and how many accounts (visible to the caller) use it. */
  async function presentAuthConfig(principal: Principal, config: AuthConfigView) {
    const logo = await catalog.findToolkit(principal.projectId, config.toolkit).then(
      ({ toolkit }) => toolkit.logo ?? '',
      () => '',
    );
    const connected = await everyPage((cursor) => accounts.list(principal, { auth_config_id: config.id, limit: 200, cursor }));
    return composioAuthConfig(config, logo, connected.length);
  }

  app.get('/auth_configs', { schema: { ...schema, querystring: authConfigsQuerySchema } }, async (request) => {
    const principal = principalOf(request);
    const keep = authConfigFilter(request.query);
    const configs: AuthConfigView[] = [];
    for (const toolkit of toolkitSlugsOf(request.query) ?? [undefined]) {
      configs.push(...(await everyPage((cursor) => authConfigs.list(principal, { toolkit, limit: 200, cursor }))).filter(keep));
    }
    const page = composioPage(configs, pageLimit(request.query.limit, 100), request.query.cursor);
    return { ...page, items: await Promise.all(page.items.map((config) => presentAuthConfig(principal, config))) };
  });
  app.post('/auth_configs', { schema: { ...schema, body: createAuthConfigBodySchema } }, async (request, reply) => {
    const principal = principalOf(request);
    const toolkit = await catalog.authFacts(principal.projectId, request.body.toolkit.slug);
    const input = asOurInput(createAuthConfigSchema, toCreateAuthConfigInput(request.body, toolkit));
    return reply.status(201).send(composioCreatedAuthConfig(await authConfigs.create(principal, toolkit, input)));
  });
  app.get('/auth_configs/:nanoid', { schema: { ...schema, params: accountParams } }, async (request) => {
    const principal = principalOf(request);
    return presentAuthConfig(principal, await authConfigs.get(principal, request.params.nanoid));
  });
};
