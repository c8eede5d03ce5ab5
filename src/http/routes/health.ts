import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DatabaseHandle } from '../../db/index.js';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.object({ status: z.enum(['ok', 'error']), kind: z.enum(['embedded', 'postgres']), latency_ms: z.number() }),
    version: z.string(),
    uptime_s: z.number(),
  })
  .meta({ id: 'Health' });

export const healthRoutes: FastifyPluginAsyncZod<{ database: DatabaseHandle; version: string }> = async (app, { database, version }) => {
  app.get(
    '/health',
    {
      config: { auth: false, rateLimit: false },
      schema: {
        tags: ['system'],
        summary: 'Liveness and database check',
        security: [],
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const started = performance.now();
      let ok = true;
      try {
        await database.ping();
      } catch (error) {
        ok = false;
        app.log.error({ err: error }, 'health check: database did not answer');
      }
      const body = {
        status: ok ? ('ok' as const) : ('unavailable' as const),
        database: { status: ok ? ('ok' as const) : ('error' as const), kind: database.kind, latency_ms: Math.round((performance.now() - started) * 100) / 100 },
        version,
        uptime_s: Math.round(process.uptime()),
      };
      return reply.status(ok ? 200 : 503).send(body);
    },
  );
};
