import { badRequest } from './errors.js';
import { type Content, type Markup, markups } from './model.js';

/** Reading a JSON request document; every wrong type is a 400 that names the field. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body as an object; an absent body is `{}` when `optional`, otherwise a 400. */
export function requireObjectBody(body: unknown, options: { optional?: boolean } = {}): JsonObject {
  if (body === undefined && options.optional) return {};
  if (body === undefined) throw badRequest('A JSON request body is required');
  if (!isJsonObject(body)) throw badRequest('The request body must be a JSON object');
  return body;
}

export function optionalString(object: JsonObject, field: string): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest('must be a string', field);
  return value;
}

export function requiredString(object: JsonObject, field: string): string {
  const value = optionalString(object, field);
  if (value === undefined || value.trim() === '') throw badRequest('This field is required.', field);
  return value;
}

export function optionalBoolean(object: JsonObject, field: string): boolean | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest('must be a boolean', field);
  return value;
}

export function optionalEnum<T extends string>(object: JsonObject, field: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(object, field);
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw badRequest(`"${value}" is not a valid choice (${allowed.join(', ')})`, field);
  return value as T;
}

export function optionalObject(object: JsonObject, field: string): JsonObject | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw badRequest('must be an object', field);
  return value;
}

/** `content: { raw, markup? }` (a bare string is rejected, as the real API does not take one). */
export function optionalContent(object: JsonObject, field = 'content'): Content | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw badRequest('must be an object with a raw member', field);
  const raw = value.raw;
  if (typeof raw !== 'string') throw badRequest('raw must be a string', `${field}.raw`);
  const markup = optionalEnum(value, 'markup', markups as readonly Markup[]) ?? 'markdown';
  return { raw, markup };
}
