import { createHash } from 'node:crypto';
import type { AuthScheme } from '../auth/index.js';
import { type ToolDefinition, type ToolkitDefinition, toolDefinitionSchema, toolkitDefinitionSchema, toolkitSlugSchema } from '../catalog/index.js';
import { SwitchboardError } from '../errors.js';
import { canonicalJson } from '../json.js';
import { mapSecuritySchemes } from './auth.js';
import { actionFromRoute, createSlugAllocator, toolkitSlugFrom } from './naming.js';
import { mapOperation } from './operation.js';
import { httpMethods, isRecord, type ParsedSpec, parseSpec } from './parse.js';
import { resolveObject } from './refs.js';
import { trimText } from './schema.js';
import { loadSchemaChecker } from './validate.js';

export interface ImportOptions {
  /** Toolkit slug (default: from info.title). */
  slug?: string | undefined;
  name?: string | undefined;
  /** Keep only the spec's schemes of this type (`basic`, `bearer`, `api_key`, `oauth2`, `none`), or these schemes. */
  auth?: string | AuthScheme[] | undefined;
  base_url?: string | undefined;
  /** Where the spec was fetched from: relative server URLs resolve against it. */
  sourceUrl?: string | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface ImportSummary {
  operations: number;
  imported: number;
  skipped: { operation: string; reason: string }[];
  warnings: string[];
}

export interface ImportResult {
  toolkit: ToolkitDefinition;
  summary: ImportSummary;
}

const maxWarnings = 500;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** base_url from servers[0] (3.x) or schemes/host/basePath (2.0); variables with defaults filled in. */
function baseUrlOf(spec: ParsedSpec, sourceUrl: string | undefined, warn: (message: string) => void): string | undefined {
  const { document } = spec;
  let url: string | undefined;
  if (spec.dialect === 'openapi3') {
    const server = Array.isArray(document.servers) ? document.servers.find(isRecord) : undefined;
    url = text(server?.url);
    if (url && isRecord(server?.variables)) {
      for (const [name, variable] of Object.entries(server.variables)) {
        const fallback = isRecord(variable) && variable.default !== undefined ? String(variable.default) : undefined;
        if (fallback !== undefined) url = url.split(`{${name}}`).join(fallback);
      }
    }
  } else {
    const host = text(document.host);
    const basePath = text(document.basePath) ?? '';
    const schemes = Array.isArray(document.schemes) ? document.schemes : [];
    const scheme = schemes.includes('https') ? 'https' : (schemes.find((item) => typeof item === 'string') ?? 'https');
    url = host ? `${scheme}://${host}${basePath}` : basePath || undefined;
  }
  if (!url) return undefined;
  try {
    const absolute = new URL(url.replace(/\{([^{}]+)\}/g, 'x-$1'), sourceUrl);
    if (absolute.protocol !== 'http:' && absolute.protocol !== 'https:') return undefined;
  } catch {
    return undefined;
  }
  if (sourceUrl && !/^[a-z][a-z0-9+.-]*:/i.test(url)) url = new URL(url, sourceUrl).href;
  url = url.replace(/\/+$/, '');
  const open = [...url.matchAll(/\{([^{}]+)\}/g)].map((match) => match[1]);
  if (open.length > 0) warn(`base_url keeps {${open.join('}, {')}}: connect accounts with their own base_url, or pass base_url`);
  return url;
}

function semverBase(version: unknown): string {
  const match = /^v?(\d+)(?:\.(\d+))?/.exec(String(version ?? '').trim());
  return match ? `${Number(match[1])}.${Number(match[2] ?? 0)}` : '0.0';
}

/** `info.version` major.minor plus a number from a hash of the generated definition: same spec, same version. */
export function versionFor(infoVersion: unknown, definition: Omit<ToolkitDefinition, 'version'>): string {
  const digest = createHash('sha256').update(canonicalJson(definition)).digest('hex');
  return `${semverBase(infoVersion)}.${Number.parseInt(digest.slice(0, 7), 16)}`;
}

function chooseAuth(mapped: AuthScheme[], wanted: ImportOptions['auth'], warn: (message: string) => void): AuthScheme[] {
  if (Array.isArray(wanted)) return wanted;
  if (typeof wanted === 'string') {
    const kind = wanted.trim().toLowerCase();
    if (kind === 'none') return [{ type: 'none' }];
    const kept = mapped.filter((scheme) => scheme.type === kind);
    if (kept.length > 0) return kept;
    if (kind === 'basic') {
      return [
        {
          type: 'basic',
          fields: [
            { name: 'username', label: 'Username', secret: false, required: true, max_length: 4096 },
            { name: 'password', label: 'Password', secret: true, required: true, max_length: 4096 },
          ],
        },
      ];
    }
    if (kind === 'bearer') return [{ type: 'bearer', fields: [{ name: 'token', label: 'Bearer token', secret: true, required: true, max_length: 8192 }] }];
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      `The description has no ${kind} security scheme to keep; it offers ${mapped.map((scheme) => scheme.type).join(', ') || 'none'}. Pass auth as basic, bearer or none, or as a list of schemes.`,
      { field: 'auth' },
    );
  }
  if (mapped.length > 0) return mapped;
  warn('no usable security scheme: the toolkit uses auth "none" (pass auth to change it)');
  return [{ type: 'none' }];
}

/**
 * Turns an OpenAPI 3.0/3.1 or Swagger 2.0 description (object, JSON or YAML text) into a toolkit
 * definition: one tool per mappable operation, everything else skipped with a reason.
 * Throws VALIDATION_FAILED only when the input as a whole cannot become a toolkit.
 */
export async function convertOpenApi(input: unknown, options: ImportOptions = {}): Promise<ImportResult> {
  const spec = parseSpec(input);
  const checkInputSchema = await loadSchemaChecker();
  const { document } = spec;
  const warnings: string[] = [];
  const seenWarnings = new Set<string>();
  const warn = (message: string) => {
    if (seenWarnings.has(message) || warnings.length >= maxWarnings) return;
    seenWarnings.add(message);
    warnings.push(message);
  };
  const info = isRecord(document.info) ? document.info : {};
  const title = text(info.title) ?? 'Imported API';

  const slug = options.slug ?? toolkitSlugFrom(title);
  const slugCheck = toolkitSlugSchema.safeParse(slug);
  if (!slugCheck.success) {
    throw new SwitchboardError('VALIDATION_FAILED', `Toolkit slug "${slug}": ${slugCheck.error.issues[0]?.message}.`, { field: 'slug' });
  }

  const baseUrl = options.base_url ?? baseUrlOf(spec, options.sourceUrl, warn);
  if (!baseUrl) {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      'The description names no absolute server URL (servers[0].url, or host for Swagger 2.0); pass base_url (CLI: --base-url).',
      { field: 'base_url' },
    );
  }

  const auth = mapSecuritySchemes(document, spec.dialect, baseUrl);
  for (const skipped of auth.skipped) warn(`security scheme "${skipped.scheme}" skipped: ${skipped.reason}`);
  const oauthSchemes = new Set<string>();
  const definitions =
    spec.dialect === 'swagger2' ? document.securityDefinitions : isRecord(document.components) ? document.components.securitySchemes : undefined;
  if (isRecord(definitions)) for (const [name, scheme] of Object.entries(definitions)) if (isRecord(scheme) && scheme.type === 'oauth2') oauthSchemes.add(name);

  // Every method key of every path item, in document order.
  const paths = document.paths as Record<string, unknown>;
  const entries: { path: string; method: string; pathItem: Record<string, unknown>; operation: unknown }[] = [];
  const skipped: ImportSummary['skipped'] = [];
  for (const [path, rawItem] of Object.entries(paths)) {
    const resolved = resolveObject(document, rawItem);
    if ('error' in resolved) {
      skipped.push({ operation: path, reason: `the path item could not be read (${resolved.error})` });
      continue;
    }
    for (const method of httpMethods)
      if (resolved.value[method] !== undefined) entries.push({ path, method, pathItem: resolved.value, operation: resolved.value[method] });
  }
  const operationCount = entries.length + skipped.length;
  if (entries.length === 0) {
    throw new SwitchboardError('VALIDATION_FAILED', 'The description has paths but no operations (get, post, put, patch, delete…) to import.', {
      field: 'spec.paths',
    });
  }

  const mapped: { label: string; action: string; routeAction: string; fullRouteAction: string; tool: Omit<ToolDefinition, 'slug'> }[] = [];
  entries.forEach((entry, index) => {
    const operationId = isRecord(entry.operation) && text(entry.operation.operationId);
    const label = operationId || `${entry.method.toUpperCase()} ${entry.path}`;
    const operationWarn = (message: string) => warn(`${label}: ${message}`);
    try {
      const result = mapOperation({ dialect: spec.dialect, ...entry, oauthSchemes, context: { document, warn: operationWarn } });
      if ('skip' in result) {
        skipped.push({ operation: label, reason: result.skip });
      } else {
        const problem = checkInputSchema(result.tool.input_schema);
        if (problem) skipped.push({ operation: label, reason: `its input schema does not compile: ${problem}` });
        else
          mapped.push({
            label,
            action: operationId || '',
            routeAction: actionFromRoute(entry.method, entry.path, false),
            fullRouteAction: actionFromRoute(entry.method, entry.path, true),
            tool: result.tool,
          });
      }
    } catch (error) {
      // A shape nobody anticipated: skip this operation, never the whole import.
      skipped.push({ operation: label, reason: `could not be mapped (${(error as Error).message})` });
    }
    options.onProgress?.(index + 1, entries.length);
  });

  // Slugs: operationId first; method+path otherwise, with parameters spelt out where static segments collide.
  const routeCounts = new Map<string, number>();
  for (const item of mapped) if (!item.action) routeCounts.set(item.routeAction, (routeCounts.get(item.routeAction) ?? 0) + 1);
  const allocator = createSlugAllocator(slug);
  const tools: ToolDefinition[] = [];
  const operationIds = new Set<string>();
  for (const item of mapped) {
    if (item.action) {
      if (operationIds.has(item.action)) warn(`${item.label}: duplicate operationId; its tool slug got a numeric suffix`);
      operationIds.add(item.action);
    }
    const action = item.action || ((routeCounts.get(item.routeAction) ?? 0) > 1 ? item.fullRouteAction : item.routeAction);
    const tool = { slug: allocator.allocate(action), ...item.tool };
    const parsed = toolDefinitionSchema.safeParse(tool);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      skipped.push({ operation: item.label, reason: `not a valid tool: ${issue?.path.join('.')}: ${issue?.message}` });
      continue;
    }
    tools.push(parsed.data);
  }
  if (tools.length === 0) {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      `None of the ${operationCount} operations could be imported; first reason: ${skipped[0]?.reason ?? 'unknown'}.`,
      {
        field: 'spec',
        skipped: skipped.slice(0, 20),
      },
    );
  }

  const description = trimText(text(info.description) ?? `${title} ${text(info.version) ?? ''}, imported from its OpenAPI description.`, 4000);
  const draft = {
    slug,
    name: trimText(options.name ?? title, 120),
    description: description.length >= 10 ? description : `${description} (imported from OpenAPI)`,
    categories: [],
    ...(isRecord(document.externalDocs) && text(document.externalDocs.url) && URL.canParse(String(document.externalDocs.url))
      ? { docs_url: String(document.externalDocs.url) }
      : {}),
    base_url: baseUrl,
    auth: chooseAuth(auth.schemes, options.auth, warn),
    tools,
  };
  const parsed = toolkitDefinitionSchema.safeParse({ ...draft, version: '0.0.0' });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SwitchboardError('VALIDATION_FAILED', `The imported toolkit is not valid: ${issue?.path.join('.') || '(toolkit)'}: ${issue?.message}.`, {
      issues: parsed.error.issues.slice(0, 20).map((item) => ({ field: item.path.join('.'), message: item.message })),
    });
  }
  const { version: _placeholder, ...content } = parsed.data;
  const toolkit: ToolkitDefinition = { ...parsed.data, version: versionFor(info.version, content) };
  return { toolkit, summary: { operations: operationCount, imported: tools.length, skipped, warnings } };
}
