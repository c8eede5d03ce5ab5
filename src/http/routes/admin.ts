import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type MasterKeyService, masterKeyRotationSchema } from '../../auth/index.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

/** Instance operations for admin keys. */
export const adminRoutes: FastifyPluginAsyncZod<{ masterKeys: MasterKeyService }> = async (app, { masterKeys }) => {
  const tags = ['admin'];

  app.post(
    '/master-key/rotate',
    {
      schema: {
        tags,
        summary: 'Rotate the master key (admin): re-wrap every stored secret under the current key and retire the old one',
        description:
          'With a key file in the data directory the server generates the new key itself. With SWITCHBOARD_MASTER_KEY it re-wraps to the configured key: ' +
          'put the new key there (the old one in SWITCHBOARD_PREVIOUS_MASTER_KEYS) on every instance first. The response names keys by id only.',
        response: { 200: masterKeyRotationSchema, ...standardErrorResponses },
      },
    },
    async (request) => {
      const summary = await masterKeys.rotate(principalOf(request));
      request.log.info(
        { resealed: summary.resealed, retired_key_ids: summary.retired_key_ids, current_key_id: summary.current_key_id },
        'master key rotation finished',
      );
      return summary;
    },
  );
};
