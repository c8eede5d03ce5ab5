import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Settings a `switchboard.config.{json,yaml}` file may hold. Strict: a misspelt key is an error,
 * not a silently ignored setting. Environment variables override the file.
 */
export const configFileSchema = z
  .object({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1),
    dataDir: z.string().min(1),
    databaseUrl: z.string().min(1),
    publicUrl: z.url(),
    logLevel: z.enum(logLevels),
    bodyLimit: z.number().int().min(1024),
    allowPrivateNetworks: z.array(z.string().min(1)),
    toolTimeoutMs: z.number().int().min(100),
    embeddings: z
      .object({ url: z.url(), model: z.string().min(1) })
      .strict()
      .partial(),
    rateLimit: z
      .object({
        max: z.number().int().min(1),
        windowSeconds: z.number().int().min(1),
      })
      .strict()
      .partial(),
  })
  .strict()
  .partial();

export type ConfigFile = z.infer<typeof configFileSchema>;

export const configSchema = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  databaseUrl: z.string().min(1).optional(),
  masterKey: z.string().min(1).optional(),
  /** SWITCHBOARD_PREVIOUS_MASTER_KEYS: keys accepted for opening sealed values, never for sealing. Environment only. */
  previousMasterKeys: z.array(z.string().min(1)),
  publicUrl: z.url(),
  logLevel: z.enum(logLevels),
  bodyLimit: z.number().int().min(1024),
  allowPrivateNetworks: z.array(z.string().min(1)),
  toolTimeoutMs: z.number().int().min(100),
  rateLimit: z.object({
    max: z.number().int().min(1),
    windowSeconds: z.number().int().min(1),
  }),
  /** Dense re-ranking of tool search; unset = lexical search only (the offline default). */
  embeddings: z.object({ url: z.url(), model: z.string().min(1), apiKey: z.string().min(1).optional() }).optional(),
  configFile: z.string().optional(),
});

/** Resolved, validated settings of one Switchboard process. */
export type Config = z.infer<typeof configSchema>;
