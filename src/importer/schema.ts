import { isRecord } from './parse.js';
import { lookupRef } from './refs.js';

/** How deep nested `$ref`s are expanded inline; deeper ones become a described placeholder. */
const maxRefDepth = 4;
const maxDescription = 600;

/** Formats ajv-formats knows; others are dropped (ajv would warn about or reject them). */
const knownFormats = new Set([
  'date',
  'time',
  'date-time',
  'iso-time',
  'iso-date-time',
  'duration',
  'uri',
  'uri-reference',
  'uri-template',
  'url',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'regex',
  'uuid',
  'json-pointer',
  'json-pointer-uri-fragment',
  'relative-json-pointer',
  'byte',
  'int32',
  'int64',
  'float',
  'double',
  'password',
  'binary',
]);

const jsonTypes = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

const copiedKeywords = [
  'title',
  'const',
  'default',
  'multipleOf',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'deprecated',
] as const;

export interface SchemaContext {
  document: Record<string, unknown>;
  /** Records a problem once per distinct message. */
  warn(message: string): void;
}

export function trimText(text: string, max = maxDescription): string {
  const clean = text.trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`;
}

function refName(ref: string): string {
  return ref.split('/').pop() ?? ref;
}

/**
 * Converts an OpenAPI 3.0/3.1 or Swagger 2.0 schema into a JSON Schema (draft 2020-12) that ajv
 * compiles: local `$ref`s inlined (cycles and very deep nesting cut into described placeholders),
 * `nullable` turned into a type union, `allOf` of plain objects merged, unknown formats, invalid
 * patterns and OpenAPI-only keywords dropped, read-only properties left out (these are inputs).
 */
export function convertSchema(input: unknown, context: SchemaContext, stack: readonly string[] = []): Record<string, unknown> {
  if (input === true || input === undefined) return {};
  if (input === false) return { not: {} };
  if (!isRecord(input)) return {};

  if (typeof input.$ref === 'string') {
    const ref = input.$ref;
    const { $ref: _ignored, ...siblings } = input;
    const siblingDescription = typeof siblings.description === 'string' ? siblings.description : undefined;
    if (stack.includes(ref)) {
      return { description: trimText(siblingDescription ?? `A ${refName(ref)} object (recursive; not expanded).`) };
    }
    if (stack.length >= maxRefDepth) {
      return { description: trimText(siblingDescription ?? `A ${refName(ref)} object (nested too deep to expand).`) };
    }
    const found = lookupRef(context.document, ref);
    if (!found.found) {
      context.warn(found.reason);
      return siblingDescription ? { description: trimText(siblingDescription) } : {};
    }
    const resolved = convertSchema(found.value, context, [...stack, ref]);
    return siblingDescription ? { ...resolved, description: trimText(siblingDescription) } : resolved;
  }

  const out: Record<string, unknown> = {};
  for (const keyword of copiedKeywords) if (input[keyword] !== undefined) out[keyword] = input[keyword];
  if (typeof input.description === 'string' && input.description.trim()) out.description = trimText(input.description);

  let types: string[] | undefined;
  if (typeof input.type === 'string') types = [input.type];
  else if (Array.isArray(input.type)) types = input.type.filter((type): type is string => typeof type === 'string');
  if (types) {
    types = types.map((type) => (type === 'file' ? 'string' : type)).filter((type) => jsonTypes.has(type));
    if (input.nullable === true || input['x-nullable'] === true) types.push('null');
    types = [...new Set(types)];
    if (types.length === 1) out.type = types[0];
    else if (types.length > 1) out.type = types;
  }

  if (typeof input.format === 'string' && knownFormats.has(input.format) && input.type !== 'file') out.format = input.format;
  if (typeof input.pattern === 'string') {
    try {
      new RegExp(input.pattern, 'u');
      out.pattern = input.pattern;
    } catch {
      context.warn(`dropped the invalid pattern ${JSON.stringify(input.pattern)}`);
    }
  }
  if (Array.isArray(input.enum)) out.enum = input.nullable === true && !input.enum.includes(null) ? [...input.enum, null] : input.enum;
  if (input.example !== undefined && input.examples === undefined) out.examples = [input.example];
  else if (Array.isArray(input.examples)) out.examples = input.examples;
  // OpenAPI 3.0 / draft-04 boolean exclusive bounds → draft 2020-12 numbers.
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const value = input[flag];
    if (typeof value === 'number') out[flag] = value;
    else if (value === true && typeof input[bound] === 'number') {
      out[flag] = input[bound];
      delete out[bound];
    }
  }

  if (input.items !== undefined) out.items = Array.isArray(input.items) ? {} : convertSchema(input.items, context, stack);
  if (isRecord(input.properties)) {
    const properties: Record<string, unknown> = {};
    const readOnly = new Set<string>();
    for (const [name, property] of Object.entries(input.properties)) {
      if (name === '__proto__') continue;
      if (isRecord(property) && property.readOnly === true) {
        readOnly.add(name);
        continue;
      }
      properties[name] = convertSchema(property, context, stack);
    }
    out.properties = properties;
    if (Array.isArray(input.required)) {
      const required = input.required.filter((name): name is string => typeof name === 'string' && !readOnly.has(name));
      if (required.length > 0) out.required = [...new Set(required)];
    }
  } else if (Array.isArray(input.required) && input.required.every((name) => typeof name === 'string') && input.required.length > 0) {
    out.required = [...new Set(input.required as string[])];
  }
  if (input.additionalProperties !== undefined) {
    out.additionalProperties =
      typeof input.additionalProperties === 'boolean' ? input.additionalProperties : convertSchema(input.additionalProperties, context, stack);
  }
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const parts = input[combinator];
    if (Array.isArray(parts) && parts.length > 0) out[combinator] = parts.map((part) => convertSchema(part, context, stack));
  }
  if (input.not !== undefined && isRecord(input.not)) out.not = convertSchema(input.not, context, stack);
  if (Array.isArray(input.allOf) && input.allOf.length > 0) {
    const parts = input.allOf.map((part) => convertSchema(part, context, stack));
    return mergeAllOf(out, parts);
  }
  if (out.type === undefined && out.properties !== undefined && out.anyOf === undefined && out.oneOf === undefined) out.type = 'object';
  return out;
}

const objectKeywords = new Set(['type', 'title', 'description', 'properties', 'required', 'additionalProperties']);

function isPlainObjectSchema(schema: Record<string, unknown>): boolean {
  return (
    (schema.type === 'object' || (schema.type === undefined && schema.properties !== undefined)) && Object.keys(schema).every((key) => objectKeywords.has(key))
  );
}

/** `allOf` of plain object schemas becomes one object (easier for agents, and spreadable into arguments). */
function mergeAllOf(base: Record<string, unknown>, parts: Record<string, unknown>[]): Record<string, unknown> {
  const describedOnly = (schema: Record<string, unknown>) => Object.keys(schema).every((key) => key === 'description' || key === 'title');
  const candidates = [base, ...parts].filter((schema) => !describedOnly(schema));
  if (candidates.length === 0 || !candidates.every(isPlainObjectSchema)) return { ...base, allOf: parts };
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  for (const schema of [...parts, base]) {
    if (isRecord(schema.properties)) Object.assign(properties, schema.properties);
    if (Array.isArray(schema.required)) for (const name of schema.required) required.add(name as string);
  }
  const merged: Record<string, unknown> = { type: 'object' };
  const description = base.description ?? [...parts].reverse().find((part) => typeof part.description === 'string')?.description;
  if (typeof description === 'string') merged.description = description;
  if (base.title !== undefined) merged.title = base.title;
  merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}
