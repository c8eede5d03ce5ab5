import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type ConnectedAccountService,
  connectedAccountSchema,
  connectedAccountStatuses,
  createConnectedAccountSchema,
  updateConnectedAccountSchema,
} from '../../auth/index.js';
import { pageQuerySchema, pageSchema } from '../../pagination.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const accountResponse = { 200: connectedAccountSchema, ...standardErrorResponses };

export const connectedAccountRoutes: FastifyPluginAsyncZod<{ accounts: ConnectedAccountService }> = async (app, { accounts }) => {
  const tags = ['connected-accounts'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List connected accounts (credentials are never shown); a user-bound key sees only its user',
        querystring: pageQuerySchema.extend({
          user_id: z.string().max(256).optional(),
          toolkit: z.string().max(64).optional(),
          status: z.enum(connectedAccountStatuses).optional(),
          auth_config_id: z.string().max(64).optional(),
        }),
        response: { 200: pageSchema(connectedAccountSchema), ...standardErrorResponses },
      },
    },
    async (request) => accounts.list(principalOf(request), request.query),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Connect an account by posting its credentials (API key, basic, bearer), or a service account through a client-credentials auth config',
        description: 'For a person to connect (and for OAuth sign-in), create a connect link instead: POST /v1/connect-links.',
        body: createConnectedAccountSchema,
        response: { 201: connectedAccountSchema, ...standardErrorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await accounts.create(principalOf(request), request.body)),
  );

  app.get('/:id', { schema: { tags, summary: 'Get a connected account', params: idParams, response: accountResponse } }, async (request) =>
    accounts.get(principalOf(request), request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: "Rename an account (alias) or make it the user's default for its toolkit",
        params: idParams,
        body: updateConnectedAccountSchema,
        response: accountResponse,
      },
    },
    async (request) => accounts.update(principalOf(request), request.params.id, request.body),
  );

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(
      `/:id/${action}`,
      {
        schema: {
          tags,
          summary: enabled ? 'Enable a disabled account' : 'Disable an account: it keeps its credentials but runs no tools until enabled',
          params: idParams,
          response: accountResponse,
        },
      },
      async (request) => accounts.setEnabled(principalOf(request), request.params.id, enabled),
    );
  }

  app.post(
    '/:id/refresh',
    {
      schema: {
        tags,
        summary: 'OAuth accounts: get a new access token now (tokens are also refreshed automatically before they expire)',
        description: 'A refused refresh marks the account EXPIRED (409 NOT_CONNECTED, with the request that reconnects it).',
        params: idParams,
        response: accountResponse,
      },
    },
    async (request) => accounts.refresh(principalOf(request), request.params.id),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete a connected account and its credentials (OAuth tokens are revoked at the provider when it supports revocation)',
        params: idParams,
        response: { 204: z.undefined(), ...standardErrorResponses },
      },
    },
    async (request, reply) => {
      await accounts.remove(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
};
