import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { StartupError } from '../errors.js';
import { type Config, type ConfigFile, configFileSchema, configSchema } from './schema.js';

export const configDefaults = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: './data',
  logLevel: 'info',
  bodyLimit: 1024 * 1024,
  toolTimeoutMs: 30_000,
  rateLimit: { max: 600, windowSeconds: 60 },
} as const;

const configFileNames = ['switchboard.config.json', 'switchboard.config.yaml', 'switchboard.config.yml'];

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values from command-line flags; they win over the environment and the file. */
  overrides?: Partial<Pick<Config, 'port' | 'host' | 'dataDir' | 'databaseUrl' | 'publicUrl' | 'logLevel'>>;
}

function formatIssues(error: z.ZodError, source: string): string {
  return error.issues.map((issue) => `  - ${source}${issue.path.length ? ` ${issue.path.join('.')}` : ''}: ${issue.message}`).join('\n');
}

function readConfigFile(path: string): ConfigFile {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new StartupError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new StartupError(`Invalid config file ${path}:\n${formatIssues(parsed.error, 'key')}`);
  return parsed.data;
}

function findConfigFile(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (env.SWITCHBOARD_CONFIG) {
    const path = resolve(cwd, env.SWITCHBOARD_CONFIG);
    if (!existsSync(path)) throw new StartupError(`SWITCHBOARD_CONFIG points to ${path}, which does not exist.`);
    return path;
  }
  return configFileNames.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
}

function integerFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new StartupError(`${name} must be an integer, got "${value}".`);
  return parsed;
}

function stringFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function listFromEnv(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  return stringFromEnv(env, name)
    ?.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * Builds the process configuration: command-line overrides, then environment variables, then
 * the optional config file, then defaults. Throws `StartupError` naming each bad setting.
 */
/**
 * Embeddings are on only when SWITCHBOARD_EMBEDDINGS_URL (or `embeddings.url`) is set: an LLM
 * configured through OPENAI_BASE_URL does not by itself make every search call out. The OpenAI key
 * is reused only for that same base URL, never sent to another host.
 */
function embeddingsFrom(env: NodeJS.ProcessEnv, file: ConfigFile): { url: string; model: string; apiKey?: string } | undefined {
  const url = stringFromEnv(env, 'SWITCHBOARD_EMBEDDINGS_URL') ?? file.embeddings?.url;
  if (!url) return undefined;
  const trim = (value: string) => value.replace(/\/+$/, '');
  const openAiKey = env.OPENAI_BASE_URL && trim(env.OPENAI_BASE_URL) === trim(url) ? stringFromEnv(env, 'OPENAI_API_KEY') : undefined;
  const apiKey = stringFromEnv(env, 'SWITCHBOARD_EMBEDDINGS_API_KEY') ?? openAiKey;
  return {
    url: trim(url),
    model: stringFromEnv(env, 'SWITCHBOARD_EMBEDDINGS_MODEL') ?? file.embeddings?.model ?? 'text-embedding-3-small',
    ...(apiKey ? { apiKey } : {}),
  };
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const configFile = findConfigFile(env, cwd);
  const file: ConfigFile = configFile ? readConfigFile(configFile) : {};
  const overrides = options.overrides ?? {};

  const port = overrides.port ?? integerFromEnv(env, 'SWITCHBOARD_PORT') ?? integerFromEnv(env, 'PORT') ?? file.port ?? configDefaults.port;
  const host = overrides.host ?? stringFromEnv(env, 'SWITCHBOARD_HOST') ?? file.host ?? configDefaults.host;
  const dataDir = resolve(cwd, overrides.dataDir ?? stringFromEnv(env, 'SWITCHBOARD_DATA_DIR') ?? file.dataDir ?? configDefaults.dataDir);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  const candidate = {
    port,
    host,
    dataDir,
    databaseUrl: overrides.databaseUrl ?? stringFromEnv(env, 'DATABASE_URL') ?? file.databaseUrl,
    masterKey: stringFromEnv(env, 'SWITCHBOARD_MASTER_KEY'),
    previousMasterKeys: listFromEnv(env, 'SWITCHBOARD_PREVIOUS_MASTER_KEYS') ?? [],
    publicUrl: (overrides.publicUrl ?? stringFromEnv(env, 'SWITCHBOARD_PUBLIC_URL') ?? file.publicUrl ?? `http://${urlHost}:${port}`).replace(/\/+$/, ''),
    logLevel: overrides.logLevel ?? stringFromEnv(env, 'SWITCHBOARD_LOG_LEVEL') ?? file.logLevel ?? configDefaults.logLevel,
    bodyLimit: integerFromEnv(env, 'SWITCHBOARD_BODY_LIMIT') ?? file.bodyLimit ?? configDefaults.bodyLimit,
    toolTimeoutMs: integerFromEnv(env, 'SWITCHBOARD_TOOL_TIMEOUT_MS') ?? file.toolTimeoutMs ?? configDefaults.toolTimeoutMs,
    allowPrivateNetworks: listFromEnv(env, 'SWITCHBOARD_ALLOW_PRIVATE_NETWORKS') ?? file.allowPrivateNetworks ?? [],
    rateLimit: {
      max: integerFromEnv(env, 'SWITCHBOARD_RATE_LIMIT') ?? file.rateLimit?.max ?? configDefaults.rateLimit.max,
      windowSeconds: file.rateLimit?.windowSeconds ?? configDefaults.rateLimit.windowSeconds,
    },
    embeddings: embeddingsFrom(env, file),
    configFile,
  };
  const parsed = configSchema.safeParse(candidate);
  if (!parsed.success) throw new StartupError(`Invalid configuration:\n${formatIssues(parsed.error, 'setting')}`);
  return parsed.data;
}
