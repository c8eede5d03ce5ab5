import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinToolkitsDir, loadToolkitsFrom } from '../../src/catalog/index.js';
import { packageRoot } from '../../src/paths.js';
import { toolkitDocuments } from '../../src/router/tool-documents.js';
import type { ToolDocument } from '../../src/search/index.js';

export const datasetDir = join(packageRoot, 'test', 'fixtures', 'tool-retrieval');

export interface Query {
  query: string;
  tool: string;
}

/** The MetaTool tools as documents: each is an app of its own with one tool. */
export function metatoolDocuments(): ToolDocument[] {
  const tools = JSON.parse(readFileSync(join(datasetDir, 'metatool-tools.json'), 'utf8')) as { name: string; description: string }[];
  return tools.map((tool) => ({ id: tool.name, toolkit: tool.name, name: tool.name, description: tool.description }));
}

export function metatoolQueries(): Query[] {
  return readFileSync(join(datasetDir, 'metatool-dev.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Query);
}

interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: { name?: string; $ref?: string }[];
  requestBody?: unknown;
}

/** The 331 operations of the Bitbucket Cloud OpenAPI description as plain documents. */
export function openApiDocuments(): ToolDocument[] {
  const spec = JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'openapi', 'bitbucket-cloud-2.0.json'), 'utf8')) as {
    paths: Record<string, Record<string, OpenApiOperation | unknown>>;
  };
  const docs: ToolDocument[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const operation = item[method] as OpenApiOperation | undefined;
      if (!operation) continue;
      const slugPart = `${method}_${path}`
        .replace(/[^A-Za-z0-9]+/g, '_')
        .replace(/^_|_$/g, '')
        .toUpperCase();
      const parameters = [...((item.parameters as OpenApiOperation['parameters']) ?? []), ...(operation.parameters ?? [])].flatMap((parameter) =>
        parameter.name ? [parameter.name] : parameter.$ref ? [parameter.$ref.split('/').at(-1)!] : [],
      );
      docs.push({
        id: `BITBUCKET_API_${slugPart}`,
        toolkit: 'bitbucket_api',
        toolkitName: 'Bitbucket Cloud API',
        name: operation.operationId ?? operation.summary ?? `${method} ${path}`,
        description: `${method.toUpperCase()} ${path} ${operation.summary ?? ''}. ${(operation.description ?? '').slice(0, 1500)}`,
        parameters: [...new Set(parameters)],
      });
    }
  }
  return docs;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const syllables = 'ka lo mi ra ven tor zu pli ex an bo cre da fi gon hal ix jo lum nor qua sil tek ur vo wy zen'.split(' ');
/** Per-app renamings of the specs' nouns, so synthetic apps differ in vocabulary, not only in name. */
const nounVariants: Record<string, string[]> = {
  repository: ['project', 'space', 'board', 'folder', 'vault', 'collection', 'site', 'channel', 'library', 'notebook'],
  'pull request': ['change request', 'proposal', 'review', 'draft', 'submission', 'merge request'],
  issue: ['ticket', 'task', 'case', 'incident', 'item', 'request'],
  commit: ['revision', 'change', 'version', 'snapshot', 'entry', 'record'],
  pipeline: ['job', 'build', 'workflow', 'run', 'automation', 'process'],
  branch: ['stream', 'line', 'track', 'copy', 'variant', 'edition'],
  workspace: ['organization', 'team', 'account', 'tenant', 'company', 'group'],
  table: ['sheet', 'list', 'dataset', 'database', 'catalog', 'index'],
};

/**
 * Distractors: the built-in toolkits, the Bitbucket OpenAPI operations, and deterministic variations
 * of both across synthetic apps (new app names, nouns renamed per app) until `count` is reached.
 */
export function distractorDocuments(count: number): ToolDocument[] {
  if (count <= 0) return [];
  const base = [...loadToolkitsFrom(builtinToolkitsDir).flatMap(toolkitDocuments), ...openApiDocuments()];
  const docs = base.slice(0, count);
  const next = random(8);
  for (let app = 0; docs.length < count; app++) {
    const name = Array.from({ length: 2 + (app % 2) }, () => syllables[Math.floor(next() * syllables.length)]!).join('');
    const appName = `${name[0]!.toUpperCase()}${name.slice(1)}`;
    const slug = `${name}${app}`;
    const renames = Object.entries(nounVariants).map(([from, to]) => [new RegExp(`\\b${from}`, 'gi'), to[(app + from.length) % to.length]!] as const);
    const vary = (text: string) => renames.reduce((out, [from, to]) => out.replace(from, to), text.replace(/bitbucket|backendless/gi, appName));
    for (const doc of base) {
      if (docs.length >= count) break;
      docs.push({
        id: `${slug.toUpperCase()}_${doc.id.slice(doc.toolkit.length + 1)}`,
        toolkit: slug,
        toolkitName: appName,
        name: vary(doc.name),
        description: vary(doc.description),
        parameters: doc.parameters ?? [],
      });
    }
  }
  return docs;
}
