import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SwitchboardError } from '../../errors.js';
import type { Principal, TenancyService } from '../../tenancy/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null on public routes and before authentication. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** `false` marks a route callable without an API key (health, docs). */
    auth?: boolean;
  }
}

/** Reads the key from `x-api-key` or `Authorization: Bearer`. */
export function presentedApiKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1].trim();
  }
  return undefined;
}

/** The caller of a route that requires a key (the hook guarantees it is set). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new SwitchboardError('UNAUTHENTICATED', 'This endpoint needs an API key.');
  return request.principal;
}

export const authenticatePlugin = fp<{ tenancy: TenancyService }>(
  async (app, { tenancy }) => {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      if (request.is404 || request.routeOptions.config.auth === false) return;
      const key = presentedApiKey(request);
      if (!key) {
        throw new SwitchboardError('UNAUTHENTICATED', 'Missing API key: send it as "x-api-key: sk_…" or "Authorization: Bearer sk_…".');
      }
      request.principal = await tenancy.apiKeys.authenticate(key);
    });
  },
  { name: 'switchboard-authenticate' },
);
