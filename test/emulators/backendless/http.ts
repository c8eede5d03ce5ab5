import type { IncomingMessage, ServerResponse } from 'node:http';
import { malformedJson, missingField, wrongContentType } from './errors.js';

/** What a route handler returns. `body: undefined` sends an empty 200 (Backendless "returns nothing"). */
export interface Reply {
  status?: number;
  /** Serialised as JSON (so `null`, strings, numbers and booleans are JSON texts too). */
  body?: unknown;
  /** Sent as is instead of `body` (file downloads). */
  raw?: { contentType: string; data: Buffer | string };
  headers?: Record<string, string>;
}

export const json = (body: unknown, status = 200): Reply => ({ status, body });
export const empty = (): Reply => ({ status: 200 });

export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A non-empty body must be JSON with `Content-Type: application/json` (8011), and parse (8002). */
export function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  if (!contentType?.toLowerCase().includes('application/json')) throw wrongContentType();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw malformedJson((error as Error).message);
  }
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload: Buffer | string = '';
  if (reply.raw) {
    headers['content-type'] ??= reply.raw.contentType;
    payload = reply.raw.data;
  } else if (reply.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = JSON.stringify(reply.body);
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status ?? 200, headers);
  res.end(payload);
}

export type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body as a JSON object, or 8010. A missing body counts as `{}` so field checks report what is missing. */
export function objectBody(body: unknown): JsonObject {
  if (body === undefined) return {};
  if (!isPlainObject(body)) throw missingField('Request body must be a JSON object.');
  return body;
}

export function requiredString(body: JsonObject, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw missingField(`Missing required field '${field}' (a non-empty string).`);
  return value;
}

export function optionalNumber(body: JsonObject, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw missingField(`Field '${field}' must be a number.`);
  return value;
}

/** Integer query parameter; `undefined` when absent, 8010-style error from `fail` when not an integer. */
export function intParam(query: URLSearchParams, name: string, fail: (detail: string) => Error = missingField): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw fail(`Parameter '${name}' must be an integer, got '${raw}'.`);
  return Number(raw);
}

export function boolParam(query: URLSearchParams, name: string): boolean {
  return query.get(name)?.toLowerCase() === 'true';
}
