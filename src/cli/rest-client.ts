import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorBody } from '../errors.js';

/** A failed REST call, carrying the server's error code and message. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface RestClientOptions {
  endpoint: string;
  apiKey: string;
  /** How long one call may take (default 15 s). */
  timeoutMs?: number;
}

/** Finds the key CLI commands use: flag, then SWITCHBOARD_API_KEY, then `<dataDir>/admin-key`. */
export function resolveApiKey(flag: string | undefined, dataDir: string): string | undefined {
  if (flag) return flag;
  if (process.env.SWITCHBOARD_API_KEY) return process.env.SWITCHBOARD_API_KEY;
  const file = join(dataDir, 'admin-key');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export function createRestClient({ endpoint, apiKey, timeoutMs = 15_000 }: RestClientOptions) {
  const base = endpoint.replace(/\/+$/, '');
  return async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new RemoteError(
          0,
          'TIMEOUT',
          `Switchboard at ${base} did not answer ${method} ${path.split('?')[0]} within ${Math.round(timeoutMs / 1000)} s; it may still be working on it (see its log).`,
          { cause: error },
        );
      }
      throw new RemoteError(
        0,
        'UNREACHABLE',
        `Cannot reach Switchboard at ${base} (${(error as Error).cause ?? (error as Error).message}). Start it with "switchboard serve", pass --endpoint, or use --offline.`,
        { cause: error },
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      throw new RemoteError(
        response.status,
        'INVALID_RESPONSE',
        `${base} answered ${method} ${path.split('?')[0]} with something other than JSON (HTTP ${response.status}); is it a Switchboard server?`,
      );
    }
    if (!response.ok) {
      const error = (parsed as ErrorBody | undefined)?.error;
      throw new RemoteError(response.status, error?.code ?? String(response.status), error?.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  };
}

export type RestRequest = ReturnType<typeof createRestClient>;
