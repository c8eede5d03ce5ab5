import type { ResolvedTool } from '../catalog/index.js';
import { SwitchboardError } from '../errors.js';
import { version } from '../version.js';
import type { UpstreamRequest } from './http-call.js';
import { renderPath, renderTemplate } from './template.js';

function queryValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function joinUrl(base: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(`${base.replace(/\/+$/, '')}${path}`);
  } catch {
    throw new SwitchboardError('VALIDATION_FAILED', `The base URL "${base}" is not a valid URL.`, { field: 'base_url' });
  }
  return url;
}

export interface BuildContext {
  resolved: ResolvedTool;
  args: Record<string, unknown>;
  /** Connection fields: fill base-URL variables and `$connection.*` templates. */
  connection: Record<string, string>;
  urlVariables: Record<string, string>;
  baseUrl?: string | undefined;
  serverUrls?: Record<string, string> | undefined;
  /** Headers and query parameters the credential adds. */
  headers: Record<string, string>;
  query: [string, string][];
}

/** Renders a tool's request mapping into a concrete HTTP request. */
export function buildUpstreamRequest(context: BuildContext): UpstreamRequest {
  const { toolkit, tool } = context.resolved;
  const mapping = tool.request;
  const base = mapping.server
    ? (context.serverUrls?.[mapping.server] ?? toolkit.servers?.[mapping.server] ?? toolkit.base_url)
    : (context.baseUrl ?? toolkit.base_url);
  const baseUrl = renderPath(base, context.urlVariables, 'connection field');
  const variant = mapping.path_variants?.find((candidate) => candidate.when.every((name) => context.args[name] !== undefined && context.args[name] !== null));
  const path = renderPath(variant?.path ?? mapping.path, context.args);
  const url = joinUrl(baseUrl, path);

  const scope = { ...context.args, connection: context.connection };
  const query = (renderTemplate(mapping.query ?? {}, scope) as Record<string, unknown> | undefined) ?? {};
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, queryValue(item));
  }
  for (const [name, value] of context.query) url.searchParams.append(name, value);

  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': `switchboard/${version}` };
  for (const [name, value] of Object.entries(toolkit.default_headers ?? {})) headers[name.toLowerCase()] = value;
  const rendered = (renderTemplate(mapping.headers ?? {}, scope) as Record<string, unknown> | undefined) ?? {};
  for (const [name, value] of Object.entries(rendered)) headers[name.toLowerCase()] = queryValue(value);
  Object.assign(headers, context.headers);

  const bodyValue = mapping.body === undefined ? undefined : renderTemplate(mapping.body, scope);
  const request: UpstreamRequest = { method: mapping.method, url, headers };
  if (bodyValue !== undefined) {
    request.body = JSON.stringify(bodyValue);
    headers['content-type'] ??= 'application/json';
  } else if (mapping.body !== undefined && mapping.method !== 'GET' && mapping.method !== 'DELETE') {
    request.body = JSON.stringify(Array.isArray(mapping.body) ? [] : {});
    headers['content-type'] ??= 'application/json';
  }
  return request;
}
