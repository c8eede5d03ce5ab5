import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SwitchboardError } from '../../errors.js';
import { findUnstorableText } from '../../json.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` for routes that check their own input and answer in another protocol (MCP). */
    checkText?: boolean;
  }
}

/** The first part of a request holding text the database cannot store, as a validation error naming the field. */
export function unstorableRequestText(parts: Record<string, unknown>): SwitchboardError | undefined {
  for (const [where, value] of Object.entries(parts)) {
    const found = findUnstorableText(value);
    if (!found) continue;
    const field = [where, ...found.path].join('.');
    return new SwitchboardError('VALIDATION_FAILED', `Invalid request ${field}: ${found.reason}.`, { issues: [{ field, message: found.reason }] });
  }
  return undefined;
}

/**
 * Refuses NUL characters and lone surrogates anywhere in params, query or body, before any route
 * sees them: PostgreSQL cannot store them, and a request that half-ran before the database refused
 * it would answer 500. One structural check instead of a pattern on every string schema.
 */
export const textHygienePlugin = fp(
  async (app) => {
    app.addHook('preValidation', async (request: FastifyRequest) => {
      if (request.is404 || request.routeOptions.config.checkText === false) return;
      const refused = unstorableRequestText({ params: request.params, query: request.query, body: request.body });
      if (refused) throw refused;
    });
  },
  { name: 'switchboard-text-hygiene' },
);
