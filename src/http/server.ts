import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AuthConfigService, ConnectedAccountService, ConnectLinkService, MasterKeyService } from '../auth/index.js';
import type { Catalog } from '../catalog/index.js';
import type { DatabaseHandle } from '../db/index.js';
import type { AuditLog, Executor } from '../execution/index.js';
import type { Importer } from '../importer/index.js';
import type { LegacySseTransport, McpEndpoint } from '../mcp/index.js';
import type { Router } from '../router/index.js';
import type { TenancyService } from '../tenancy/index.js';
import { connectPageRoutes } from './connect-page/routes.js';
import { errorBody, toSwitchboardError } from './errors.js';
import { loggerOptions } from './logging.js';
import { authenticatePlugin } from './plugins/authenticate.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { generateRequestId, requestIdPlugin } from './plugins/request-id.js';
import { textHygienePlugin } from './plugins/text-hygiene.js';
import { adminRoutes } from './routes/admin.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { authConfigRoutes } from './routes/auth-configs.js';
import { composioRoutes } from './routes/composio.js';
import { connectLinkRoutes } from './routes/connect-links.js';
import { connectedAccountRoutes } from './routes/connected-accounts.js';
import { docsRoutes } from './routes/docs.js';
import { executionLogRoutes } from './routes/execution-logs.js';
import { healthRoutes } from './routes/health.js';
import { mcpRoutes } from './routes/mcp.js';
import { mcpSseRoutes } from './routes/mcp-sse.js';
import { projectRoutes } from './routes/projects.js';
import { sessionRoutes } from './routes/sessions.js';
import { toolkitImportRoutes } from './routes/toolkit-import.js';
import { toolkitRoutes } from './routes/toolkits.js';
import { toolRoutes } from './routes/tools.js';
import { frameworkErrorHandler, routeTable, unroutedHandler } from './unrouted.js';

export interface HttpServerOptions {
  database: DatabaseHandle;
  tenancy: TenancyService;
  catalog: Catalog;
  importer: Importer;
  accounts: ConnectedAccountService;
  authConfigs: AuthConfigService;
  connectLinks: ConnectLinkService;
  router: Router;
  mcp: McpEndpoint;
  /** The legacy HTTP+SSE transport (protocol 2024-11-05). */
  mcpSse: LegacySseTransport;
  masterKeys: MasterKeyService;
  executor: Executor;
  audit: AuditLog;
  version: string;
  publicUrl: string;
  logLevel: string;
  /** Where log lines go (default stdout); tests capture them here. */
  logStream?: NodeJS.WritableStream;
  bodyLimit: number;
  rateLimit: { max: number; windowSeconds: number };
}

/** Assembles the Fastify instance: hooks, error mapping, docs and the REST route groups. */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const maxParamLength = 200;
  const app = Fastify({
    logger: loggerOptions(options.logLevel, options.logStream),
    bodyLimit: options.bodyLimit,
    genReqId: generateRequestId,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    routerOptions: { maxParamLength, ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrorHandler(maxParamLength),
    return503OnClosing: true,
    // Open MCP notification streams must not hold a shutdown up.
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    const mapped = toSwitchboardError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: mapped.code }, mapped.message);
    return reply.status(mapped.status).send(errorBody(mapped, request.id));
  });
  app.setNotFoundHandler(unroutedHandler(routeTable(app)));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: options.version,
        description: 'Self-hosted tool router for AI agents. Authenticate with `x-api-key: sk_…` or `Authorization: Bearer sk_…`.',
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  await app.register(requestIdPlugin);
  await app.register(authenticatePlugin, { tenancy: options.tenancy });
  await app.register(rateLimitPlugin, options.rateLimit);
  await app.register(textHygienePlugin);

  await app.register(docsRoutes);
  await app.register(healthRoutes, { database: options.database, version: options.version });
  await app.register(projectRoutes, { prefix: '/v1/projects', tenancy: options.tenancy });
  await app.register(apiKeyRoutes, { prefix: '/v1/api-keys', tenancy: options.tenancy });
  await app.register(toolkitImportRoutes, { prefix: '/v1/toolkits/import', importer: options.importer });
  await app.register(toolkitRoutes, { prefix: '/v1/toolkits', catalog: options.catalog });
  await app.register(toolRoutes, { prefix: '/v1/tools', catalog: options.catalog, executor: options.executor });
  await app.register(connectedAccountRoutes, { prefix: '/v1/connected-accounts', accounts: options.accounts });
  await app.register(connectLinkRoutes, { prefix: '/v1/connect-links', connectLinks: options.connectLinks });
  await app.register(connectPageRoutes, { connectLinks: options.connectLinks, publicUrl: options.publicUrl });
  await app.register(authConfigRoutes, { prefix: '/v1/auth-configs', authConfigs: options.authConfigs, catalog: options.catalog });
  await app.register(executionLogRoutes, { prefix: '/v1/execution-logs', audit: options.audit });
  await app.register(adminRoutes, { prefix: '/v1/admin', masterKeys: options.masterKeys });
  await app.register(sessionRoutes, { prefix: '/v1/sessions', router: options.router, toolsChanged: options.mcp.toolsChanged });
  await app.register(mcpRoutes, { endpoint: options.mcp, publicUrl: options.publicUrl });
  await composioRoutes(app, {
    router: options.router,
    catalog: options.catalog,
    executor: options.executor,
    accounts: options.accounts,
    connectLinks: options.connectLinks,
    authConfigs: options.authConfigs,
  });
  await app.register(mcpSseRoutes, { transport: options.mcpSse });
  return app;
}
