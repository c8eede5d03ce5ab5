import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { SwitchboardError } from '../../errors.js';

/**
 * Per-API-key request budget (per client address before a key is known). Runs after
 * authentication so the budget follows the key, not the address. Counters are per process.
 */
export const rateLimitPlugin = fp<{ max: number; windowSeconds: number }>(
  async (app, { max, windowSeconds }) => {
    await app.register(rateLimit, {
      hook: 'preHandler',
      max,
      timeWindow: windowSeconds * 1000,
      keyGenerator: (request) => request.principal?.keyId ?? `ip:${request.ip}`,
      errorResponseBuilder: (_request, context) => {
        const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
        return new SwitchboardError('RATE_LIMITED', `Too many requests for this API key: ${context.max} per ${windowSeconds}s. Retry in ${retryAfter}s.`, {
          limit: context.max,
          window_s: windowSeconds,
          retry_after_s: retryAfter,
        });
      },
    });
  },
  { name: 'switchboard-rate-limit' },
);
