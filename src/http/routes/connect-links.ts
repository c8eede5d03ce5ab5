import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type ConnectLinkService, connectLinkSchema, createConnectLinkSchema } from '../../auth/index.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

export const connectLinkRoutes: FastifyPluginAsyncZod<{ connectLinks: ConnectLinkService }> = async (app, { connectLinks }) => {
  app.post(
    '/',
    {
      schema: {
        tags: ['connect-links'],
        summary: 'Create a connect link: a single-use URL where the user connects (or reconnects) an account on the hosted page',
        description:
          'The response names the INITIATED account that becomes ACTIVE when the user finishes. The page asks for what the scheme needs (API key, app id, email and token…) or runs the OAuth sign-in, then sends the user to callback_url.',
        body: createConnectLinkSchema,
        response: { 201: connectLinkSchema, ...standardErrorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await connectLinks.create(principalOf(request), request.body)),
  );
};
