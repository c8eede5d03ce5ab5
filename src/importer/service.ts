import type { AuthScheme } from '../auth/index.js';
import type { Catalog, ToolkitView } from '../catalog/index.js';
import { SwitchboardError } from '../errors.js';
import { type Principal, requireScope } from '../tenancy/index.js';
import { convertOpenApi, type ImportSummary } from './convert.js';

/** Fetch through the outbound client (src/outbound/), so outbound safety applies to spec URLs. */
export type SpecFetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface ImportRequest {
  spec?: unknown;
  url?: string | undefined;
  slug?: string | undefined;
  name?: string | undefined;
  auth?: string | AuthScheme[] | undefined;
  base_url?: string | undefined;
}

export interface ImportOutcome {
  toolkit: ToolkitView;
  summary: ImportSummary;
  /** created: a new toolkit; updated: a new version; unchanged: the same spec again (nothing written). */
  status: 'created' | 'updated' | 'unchanged';
}

export const maxSpecBytes = 25 * 1024 * 1024;
const fetchTimeoutMs = 20_000;

async function readCapped(response: Response, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxSpecBytes) throw new SwitchboardError('PAYLOAD_TOO_LARGE', `${url} is larger than ${maxSpecBytes / 1024 / 1024} MiB.`, { field: 'url' });
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxSpecBytes) {
      await reader.cancel();
      throw new SwitchboardError('PAYLOAD_TOO_LARGE', `${url} is larger than ${maxSpecBytes / 1024 / 1024} MiB.`, { field: 'url' });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Downloads a description; a refused address stays OUTBOUND_BLOCKED, other failures say what went wrong. */
export async function fetchSpec(fetch: SpecFetch, url: string): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SwitchboardError('VALIDATION_FAILED', `"${url}" is not a URL.`, { field: 'url' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SwitchboardError('VALIDATION_FAILED', `Only http and https URLs can be imported, not ${parsed.protocol}`, { field: 'url' });
  }
  let response: Response;
  try {
    response = await fetch(parsed.href, {
      headers: { accept: 'application/json, application/yaml, text/yaml, */*' },
      signal: AbortSignal.timeout(fetchTimeoutMs),
    });
  } catch (error) {
    if (error instanceof SwitchboardError) throw error;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${fetchTimeoutMs / 1000} s`
        : (((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
    throw new SwitchboardError('UPSTREAM_UNAVAILABLE', `Could not fetch ${parsed.origin}${parsed.pathname}: ${reason}.`, { field: 'url' });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SwitchboardError('UPSTREAM_ERROR', `Fetching ${parsed.origin}${parsed.pathname} answered HTTP ${response.status}.`, {
      field: 'url',
      status: response.status,
    });
  }
  return readCapped(response, `${parsed.origin}${parsed.pathname}`);
}

/** Imports descriptions as project toolkits: the same spec twice is a no-op, a changed one a new version. */
export function createImporter(options: { catalog: Catalog; fetch: SpecFetch }) {
  return {
    async importToolkit(principal: Principal, request: ImportRequest): Promise<ImportOutcome> {
      requireScope(principal, 'manage');
      if ((request.spec === undefined) === (request.url === undefined)) {
        throw new SwitchboardError('VALIDATION_FAILED', 'Send either "spec" (the description, as an object or JSON/YAML text) or "url".', { field: 'spec' });
      }
      const spec = request.url !== undefined ? await fetchSpec(options.fetch, request.url) : request.spec;
      const { toolkit, summary } = await convertOpenApi(spec, {
        slug: request.slug,
        name: request.name,
        auth: request.auth,
        base_url: request.base_url,
        sourceUrl: request.url,
      });
      let existing: string | undefined;
      try {
        existing = (await options.catalog.getToolkit(principal, toolkit.slug)).version;
      } catch (error) {
        if (!(error instanceof SwitchboardError && error.code === 'TOOLKIT_NOT_FOUND')) throw error;
      }
      if (existing === toolkit.version) {
        const view = await options.catalog.getToolkit(principal, toolkit.slug);
        const { tools: _tools, ...rest } = view;
        return { toolkit: rest, summary, status: 'unchanged' };
      }
      const view = await options.catalog.upsertToolkit(principal, toolkit);
      return { toolkit: view, summary, status: existing === undefined ? 'created' : 'updated' };
    },
  };
}

export type Importer = ReturnType<typeof createImporter>;
