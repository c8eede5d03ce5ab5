import type { ToolDefinition } from '../catalog/index.js';
import { argumentName } from './naming.js';
import { isRecord, type SpecDialect } from './parse.js';
import { resolveObject } from './refs.js';
import { convertSchema, type SchemaContext, trimText } from './schema.js';

const maxToolDescription = 1200;
const mappableMethods = new Set(['get', 'post', 'put', 'patch', 'delete']);
/** Header parameters the executor or the auth scheme sets itself. */
const ownedHeaders = new Set(['accept', 'content-type', 'authorization', 'content-length', 'host']);
const safeName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface OperationInput {
  dialect: SpecDialect;
  path: string;
  method: string;
  pathItem: Record<string, unknown>;
  operation: unknown;
  /** Names of OAuth 2 security schemes, to collect an operation's scopes. */
  oauthSchemes: ReadonlySet<string>;
  context: SchemaContext;
}

/** A tool without its slug (the caller allocates slugs), or why the operation cannot be one. */
export type OperationResult = { tool: Omit<ToolDefinition, 'slug'>; operationId?: string } | { skip: string };

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: unknown;
}

function isJsonMediaType(type: string): boolean {
  const base = type.split(';')[0]!.trim().toLowerCase();
  return base === '*/*' || base === 'application/*' || /[/+]json$/.test(base) || base === 'text/json';
}

/** Swagger 2.0 puts schema keywords on the parameter itself. */
function swaggerParameterSchema(parameter: Record<string, unknown>): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  for (const key of [
    'type',
    'format',
    'items',
    'enum',
    'default',
    'minimum',
    'maximum',
    'pattern',
    'minLength',
    'maxLength',
    'minItems',
    'maxItems',
    'uniqueItems',
  ]) {
    if (parameter[key] !== undefined) schema[key] = parameter[key];
  }
  return schema;
}

function collectParameters(input: OperationInput, operation: Record<string, unknown>, warn: (message: string) => void): Parameter[] | { skip: string } {
  const merged = new Map<string, Parameter>();
  const lists = [input.pathItem.parameters, operation.parameters];
  for (const list of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      warn('"parameters" is not a list; ignored');
      continue;
    }
    for (const raw of list) {
      const resolved = resolveObject(input.context.document, raw);
      if ('error' in resolved) {
        warn(`a parameter could not be read (${resolved.error}); left out`);
        continue;
      }
      const parameter = resolved.value;
      if (typeof parameter.name !== 'string' || typeof parameter.in !== 'string') {
        warn('a parameter without "name" or "in" was left out');
        continue;
      }
      let schema: unknown;
      if (input.dialect === 'swagger2' && parameter.in !== 'body') schema = swaggerParameterSchema(parameter);
      else if (parameter.schema !== undefined) schema = parameter.schema;
      else if (isRecord(parameter.content)) schema = Object.values(parameter.content).find(isRecord)?.schema;
      merged.set(`${parameter.in}:${parameter.name}`, {
        name: parameter.name,
        in: parameter.in,
        required: parameter.in === 'path' || parameter.required === true,
        ...(typeof parameter.description === 'string' ? { description: parameter.description } : {}),
        schema,
      });
    }
  }
  return [...merged.values()];
}

function describe(schema: Record<string, unknown>, description: string | undefined): Record<string, unknown> {
  return description?.trim() ? { ...schema, description: trimText(description) } : schema;
}

function operationScopes(input: OperationInput, operation: Record<string, unknown>): string[] {
  const security = Array.isArray(operation.security) ? operation.security : input.context.document.security;
  if (!Array.isArray(security)) return [];
  const scopes = new Set<string>();
  for (const requirement of security) {
    if (!isRecord(requirement)) continue;
    for (const [scheme, list] of Object.entries(requirement)) {
      if (input.oauthSchemes.has(scheme) && Array.isArray(list)) for (const scope of list) if (typeof scope === 'string') scopes.add(scope);
    }
  }
  return [...scopes];
}

function binaryMode(operation: Record<string, unknown>, dialect: SpecDialect): 'text' | 'base64' {
  const responses = isRecord(operation.responses) ? operation.responses : {};
  const types: string[] = [];
  for (const [status, response] of Object.entries(responses)) {
    if (!/^2/.test(status) || !isRecord(response)) continue;
    if (dialect === 'openapi3' && isRecord(response.content)) types.push(...Object.keys(response.content));
  }
  if (dialect === 'swagger2' && Array.isArray(operation.produces)) types.push(...operation.produces.filter((type): type is string => typeof type === 'string'));
  if (types.length === 0) return 'text';
  const textual = (type: string) => isJsonMediaType(type) || /^text\/|xml|javascript|yaml|csv|html|x-www-form-urlencoded/i.test(type);
  return types.some(textual) ? 'text' : 'base64';
}

/** Maps one operation onto a tool, or says why it cannot be mapped. */
export function mapOperation(input: OperationInput): OperationResult {
  const { method, path } = input;
  const warn = input.context.warn;
  if (!mappableMethods.has(method)) return { skip: `${method.toUpperCase()} is not supported; tools call GET, POST, PUT, PATCH or DELETE` };
  if (!isRecord(input.operation)) return { skip: 'the operation is not an object' };
  const operation = input.operation;
  const operationId = typeof operation.operationId === 'string' && operation.operationId.trim() ? operation.operationId.trim() : undefined;
  if (operation.responses === undefined) warn('has no "responses" (required by OpenAPI); imported anyway');

  const parameters = collectParameters(input, operation, warn);
  if ('skip' in parameters) return parameters;

  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const secretArguments: string[] = [];
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const pathNames = new Map<string, string>();
  let body: unknown;
  let bodyParameter: Parameter | undefined;
  const formFields: Parameter[] = [];

  const claim = (wanted: string, where: string): string => {
    let name = argumentName(wanted);
    if (Object.hasOwn(properties, name)) name = argumentName(`${where}_${wanted}`);
    for (let counter = 2; Object.hasOwn(properties, name); counter++) name = argumentName(`${where}_${wanted}_${counter}`);
    return name;
  };
  const addArgument = (name: string, schema: Record<string, unknown>, isRequired: boolean) => {
    properties[name] = schema;
    if (isRequired) required.push(name);
    if (schema.format === 'password') secretArguments.push(name);
  };

  for (const parameter of parameters) {
    if (parameter.in === 'body') {
      bodyParameter = parameter;
      continue;
    }
    if (parameter.in === 'formData') {
      formFields.push(parameter);
      continue;
    }
    if (parameter.in === 'cookie') {
      if (parameter.required) return { skip: `needs the cookie parameter "${parameter.name}"; tools cannot send cookies` };
      warn(`the optional cookie parameter "${parameter.name}" was left out`);
      continue;
    }
    if (parameter.in === 'header' && ownedHeaders.has(parameter.name.toLowerCase())) continue;
    if (!['path', 'query', 'header'].includes(parameter.in)) {
      warn(`parameter "${parameter.name}" in "${parameter.in}" is not a known location; left out`);
      continue;
    }
    const name = claim(parameter.name, parameter.in);
    addArgument(name, describe(convertSchema(parameter.schema, input.context), parameter.description), parameter.required);
    if (parameter.in === 'path') pathNames.set(parameter.name, name);
    else if (parameter.in === 'query') query[parameter.name] = `$${name}`;
    else headers[parameter.name] = `$${name}`;
  }

  // Path template: every {placeholder} becomes an argument (declared or not); a trailing *path may hold slashes.
  let requestPath = path.startsWith('/') ? path : `/${path}`;
  const placeholders = [...requestPath.matchAll(/\{([^{}]+)\}/g)];
  for (const [index, match] of placeholders.entries()) {
    const original = match[1]!;
    let name = pathNames.get(original);
    if (!name) {
      name = claim(original, 'path');
      warn(`path parameter "${original}" is not declared; added as a required string`);
      addArgument(name, { type: 'string' }, true);
      pathNames.set(original, name);
    }
    const last = index === placeholders.length - 1 && requestPath.endsWith(match[0]);
    const reserved = last && /path$/i.test(original);
    requestPath = requestPath.replace(match[0], `{${reserved ? '+' : ''}${name}}`);
  }

  // Request body.
  let bodySchema: unknown;
  let bodyRequired = false;
  let bodyDescription: string | undefined;
  let hasDeclaredBody = false;
  if (input.dialect === 'swagger2') {
    if (bodyParameter) {
      hasDeclaredBody = true;
      bodySchema = bodyParameter.schema;
      bodyRequired = bodyParameter.required;
      bodyDescription = bodyParameter.description;
    } else if (formFields.length > 0) {
      hasDeclaredBody = true;
      const needed = formFields.filter((field) => field.required);
      if (needed.length > 0) return { skip: `takes a form body (formData "${needed[0]!.name}"); tools send JSON bodies only` };
      warn('its optional form fields were left out (tools send JSON bodies only)');
    }
  } else if (operation.requestBody !== undefined) {
    hasDeclaredBody = true;
    const resolved = resolveObject(input.context.document, operation.requestBody);
    if ('error' in resolved) {
      warn(`the request body could not be read (${resolved.error}); an untyped "body" argument stands in`);
      bodySchema = {};
    } else {
      const content = isRecord(resolved.value.content) ? resolved.value.content : {};
      bodyRequired = resolved.value.required === true;
      bodyDescription = typeof resolved.value.description === 'string' ? resolved.value.description : undefined;
      const jsonType = Object.keys(content).find(isJsonMediaType);
      if (jsonType) bodySchema = isRecord(content[jsonType]) ? ((content[jsonType] as Record<string, unknown>).schema ?? {}) : {};
      else if (Object.keys(content).length > 0) {
        const types = Object.keys(content).join(', ');
        if (bodyRequired) return { skip: `its request body is ${types} only; tools send JSON bodies` };
        warn(`its optional ${types} request body was left out (tools send JSON bodies)`);
      } else bodySchema = {};
    }
  }
  if (bodySchema !== undefined && method === 'get') {
    warn('a GET request body was left out');
    bodySchema = undefined;
  }
  if (bodySchema === undefined && !hasDeclaredBody && (method === 'post' || method === 'put' || method === 'patch')) {
    // Many real descriptions leave the body of a write out; an optional free-form body keeps the operation usable.
    bodySchema = { type: 'object', description: 'JSON request body. The API description does not document it; see the operation description.' };
  }
  if (bodySchema !== undefined) {
    const converted = convertSchema(bodySchema, input.context);
    const bodyProperties = isRecord(converted.properties) ? converted.properties : undefined;
    const spreadable =
      converted.type === 'object' &&
      bodyProperties !== undefined &&
      Object.keys(bodyProperties).length > 0 &&
      converted.anyOf === undefined &&
      converted.oneOf === undefined &&
      converted.allOf === undefined &&
      Object.keys(bodyProperties).every((name) => safeName.test(name) && name !== 'connection' && name !== '__proto__' && !Object.hasOwn(properties, name));
    if (spreadable) {
      const bodyTemplate: Record<string, string> = {};
      const requiredInBody = new Set(Array.isArray(converted.required) ? (converted.required as string[]) : []);
      for (const [name, schema] of Object.entries(bodyProperties)) {
        addArgument(name, isRecord(schema) ? schema : {}, bodyRequired && requiredInBody.has(name));
        bodyTemplate[name] = `$${name}`;
      }
      body = bodyTemplate;
    } else {
      const name = Object.hasOwn(properties, 'body') ? claim('request_body', 'body') : 'body';
      addArgument(
        name,
        describe(converted, bodyDescription ?? (typeof converted.description === 'string' ? converted.description : 'The JSON request body.')),
        bodyRequired,
      );
      body = `$${name}`;
    }
  }

  const summary = typeof operation.summary === 'string' ? operation.summary.trim() : '';
  const details = typeof operation.description === 'string' ? operation.description.trim() : '';
  const route = `${method.toUpperCase()} ${path}`;
  let description = [summary, details && details !== summary ? details : ''].filter(Boolean).join('\n\n');
  if (operation.deprecated === true) description = `Deprecated. ${description}`;
  description = trimText(description.length >= 10 ? description : `${description ? `${description}. ` : ''}Calls ${route}.`, maxToolDescription);

  const name = trimText(summary || operationId || route, 120);
  const tags = Array.isArray(operation.tags) ? operation.tags.filter((tag): tag is string => typeof tag === 'string').slice(0, 10) : [];
  const inputSchema: Record<string, unknown> = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) inputSchema.required = [...new Set(required)];

  const request: ToolDefinition['request'] = { method: method.toUpperCase() as ToolDefinition['request']['method'], path: requestPath };
  if (Object.keys(query).length > 0) request.query = query;
  if (Object.keys(headers).length > 0) request.headers = headers;
  if (body !== undefined) request.body = body;

  return {
    ...(operationId ? { operationId } : {}),
    tool: {
      name,
      description,
      tags,
      annotations: {
        readOnlyHint: method === 'get',
        destructiveHint: method === 'delete',
        idempotentHint: method === 'put' || method === 'delete',
        openWorldHint: true,
      },
      scopes: operationScopes(input, operation),
      secret_arguments: secretArguments,
      input_schema: inputSchema,
      request,
      response: { binary: binaryMode(operation, input.dialect) },
    },
  };
}
