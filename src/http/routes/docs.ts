import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';

/**
 * `/docs` answers browsers with the interactive reference and everything else (curl, code
 * generators, schemathesis) with the OpenAPI 3.1 document itself; `/openapi.json` always with JSON.
 */
export const docsRoutes: FastifyPluginAsync = async (app) => {
  // The documentation is public: mark every route of this plugin (the UI's assets included).
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, auth: false, rateLimit: false };
  });
  await app.register(swaggerUi, { routePrefix: '/docs/ui', uiConfig: { docExpansion: 'list', deepLinking: true } });
  const hidden = { schema: { hide: true } } as const;

  app.get('/openapi.json', hidden, async () => app.swagger());
  app.get('/docs', hidden, async (request, reply) => {
    const accept = request.headers.accept ?? '';
    if (accept.includes('text/html')) return reply.redirect('/docs/ui/');
    return app.swagger();
  });
};
