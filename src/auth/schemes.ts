import { z } from 'zod';

/** A value the person connecting an account types in (an API key, a username, an app id…). */
export const connectionFieldSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    label: z.string().min(1),
    description: z.string().optional(),
    secret: z.boolean().default(true).describe('Secret fields are encrypted at rest and never shown again.'),
    required: z.boolean().default(true),
    format: z.enum(['email', 'uuid', 'url']).optional().describe('Checked when the value is entered, so a typo is caught before the first call.'),
    max_length: z.number().int().min(1).max(8192).default(4096),
  })
  .strict();

/** How a toolkit accepts credentials, and where a scheme puts them on each request. */
export const authSchemeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('api_key'),
      in: z.enum(['header', 'query', 'path']).describe('path: the fields fill variables of base_url'),
      name: z.string().optional().describe('Header or query parameter that carries the key (header/query placements).'),
      prefix: z.string().optional().describe('Written before the key, e.g. "Token ".'),
      fields: z.array(connectionFieldSchema).min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('basic'),
      fields: z.array(connectionFieldSchema).length(2).describe('The username field, then the password field.'),
    })
    .strict(),
  z.object({ type: z.literal('bearer'), fields: z.array(connectionFieldSchema).length(1) }).strict(),
  z
    .object({
      type: z.literal('oauth2'),
      grant: z.enum(['authorization_code', 'client_credentials']).default('authorization_code'),
      authorization_url: z.url().optional(),
      token_url: z.url(),
      revocation_url: z.url().optional().describe('RFC 7009 endpoint; tokens are revoked there when the account is deleted.'),
      scopes: z.array(z.string()).default([]),
      pkce: z.boolean().default(true),
    })
    .strict(),
]);
export type AuthScheme = z.infer<typeof authSchemeSchema>;
export type ConnectionField = z.infer<typeof connectionFieldSchema>;
