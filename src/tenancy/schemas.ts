import { z } from 'zod';

export const scopes = ['admin', 'manage', 'tools:execute'] as const;
export const scopeSchema = z.enum(scopes).describe("admin: every project and key; manage: this project's resources; tools:execute: sessions and tool calls.");
export type Scope = z.infer<typeof scopeSchema>;

const timestamp = z.iso.datetime({ offset: true });

export const projectSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Project' });
export type ProjectView = z.infer<typeof projectSchema>;

const slugSchema = z
  .string()
  .min(2)
  .max(48)
  .regex(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/, 'lowercase letters, digits and dashes, not starting or ending with a dash');

export const createProjectSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    slug: slugSchema.optional().describe('URL-safe identifier; derived from the name when omitted.'),
  })
  .strict();
export const updateProjectSchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export const userIdSchema = z
  .string()
  .min(1)
  .max(256)
  // The C0 and C1 control characters spelled as a range, not \p{Cc}: the pattern is published in the
  // OpenAPI document, and tools that read it (Schemathesis, code generators) do not all know \p{…}.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this refuses
  .regex(/^[^\u0000-\u001f\u007f-\u009f]+$/, 'no control characters')
  .describe('Your own identifier for the end user.');

export const apiKeySchema = z
  .object({
    id: z.string(),
    project_id: z.string(),
    name: z.string(),
    prefix: z.string().describe('First characters of the key, enough to recognise it; the rest is never shown again.'),
    scopes: z.array(scopeSchema),
    user_id: z.string().nullable().describe('The end user a user-bound key acts for; null for a project key.'),
    status: z.enum(['active', 'revoked', 'expired']),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyView = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().describe('The secret key. Shown only in this response; store it now.') })
  .meta({ id: 'CreatedApiKey' });
export type CreatedApiKeyView = z.infer<typeof createdApiKeySchema>;

export const createApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    scopes: z.array(scopeSchema).min(1).max(scopes.length).default(['tools:execute']),
    project_id: z.string().max(64).optional().describe("Project the key belongs to; defaults to the caller's. Another project needs an admin key."),
    expires_at: timestamp.optional().describe('Optional expiry; the key stops working after it.'),
    user_id: userIdSchema
      .optional()
      .describe("Binds the key to one end user: it sees and uses only that user's accounts, links and tools. Such keys hold only tools:execute."),
  })
  .strict();
export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;

export const updateApiKeySchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export const listApiKeysQuerySchema = z.object({
  project_id: z.string().max(64).optional(),
  include_revoked: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});
