import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthScheme } from '../../auth/index.js';
import { toolkitViewSchema } from '../../catalog/index.js';
import { type Importer, maxSpecBytes } from '../../importer/index.js';
import { standardErrorResponses } from '../errors.js';
import { principalOf } from '../plugins/authenticate.js';

const importBodySchema = z
  .object({
    spec: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .optional()
      .describe('The OpenAPI 3.0/3.1 or Swagger 2.0 description: an object, or JSON or YAML text.'),
    url: z.string().min(1).max(2048).optional().describe('Fetch the description from here instead (outbound safety applies).'),
    slug: z.string().min(1).max(64).optional().describe('Toolkit slug; default from info.title.'),
    name: z.string().min(1).max(120).optional(),
    auth: z
      .union([z.enum(['none', 'basic', 'bearer', 'api_key', 'oauth2']), z.array(z.record(z.string(), z.unknown())).min(1)])
      .optional()
      .describe("Keep only the description's schemes of this type, or use these auth schemes (the toolkit format)."),
    base_url: z.string().min(1).max(2048).optional().describe('Base URL instead of servers[0].url.'),
  })
  .strict()
  // Checked here, not only by the importer, so that the document says it: exactly one of the two.
  .refine((body) => (body.spec === undefined) !== (body.url === undefined), {
    message: 'send either "spec" (the description, as an object or JSON/YAML text) or "url", not both',
    path: ['spec'],
  })
  .meta({ oneOf: [{ required: ['spec'] }, { required: ['url'] }] });

const summarySchema = z.object({
  operations: z.number().int(),
  imported: z.number().int(),
  skipped: z.array(z.object({ operation: z.string(), reason: z.string() })),
  warnings: z.array(z.string()),
});

export const toolkitImportRoutes: FastifyPluginAsyncZod<{ importer: Importer }> = async (app, { importer }) => {
  app.post(
    '/',
    {
      // Real descriptions run to megabytes (Bitbucket's is 1.5 MB).
      bodyLimit: maxSpecBytes,
      schema: {
        tags: ['toolkits'],
        summary: 'Import an OpenAPI description as a project toolkit (manage scope)',
        description:
          'One tool per operation; operations that cannot be mapped are listed in summary.skipped with the reason. ' +
          'The version is derived from info.version and a hash of the generated toolkit: importing the same description again changes nothing, a changed one publishes a new version.',
        body: importBodySchema,
        response: {
          200: z.object({ toolkit: toolkitViewSchema, summary: summarySchema, status: z.enum(['created', 'updated', 'unchanged']) }),
          ...standardErrorResponses,
        },
      },
    },
    async (request) => {
      const { auth, ...rest } = request.body;
      const outcome = await importer.importToolkit(principalOf(request), { ...rest, ...(auth ? { auth: auth as string | AuthScheme[] } : {}) });
      request.log.info(
        { toolkit: outcome.toolkit.slug, version: outcome.toolkit.version, status: outcome.status, skipped: outcome.summary.skipped.length },
        'OpenAPI import',
      );
      return outcome;
    },
  );
};
