import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinToolkitsDir, parseToolkitFile, type ToolDefinition } from '../../src/catalog/index.js';

/**
 * The built-in Bitbucket toolkit against the official OpenAPI description: every tool is a documented
 * operation (method, path template, query parameters, OAuth scope), and the tools are exactly the 17 slugs
 * with the inputs agents know (shared/reference/toolkits.md §4.1).
 */

const toolkit = parseToolkitFile(join(builtinToolkitsDir, 'bitbucket', 'toolkit.yaml'));

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
}
interface Operation {
  parameters?: Parameter[];
  security?: Record<string, string[]>[];
  deprecated?: boolean;
}
type PathItem = Partial<Record<'get' | 'post' | 'put' | 'patch' | 'delete', Operation>> & { parameters?: Parameter[] };
const spec = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/openapi/bitbucket-cloud-2.0.json'), 'utf8')) as {
  servers: { url: string }[];
  paths: Record<string, PathItem>;
};

/** The inputs of each tool, as listed in toolkits.md §4.1. */
const expectedInputs: Record<string, string[]> = {
  BITBUCKET_CREATE_BRANCH: ['workspace', 'repo_slug', 'name', 'target_hash'],
  BITBUCKET_CREATE_ISSUE: [
    'workspace',
    'repo_slug',
    'title',
    'content',
    'assignee',
    'kind',
    'priority',
    'due_on',
    'milestone_id',
    'version_id',
    'component_id',
  ],
  BITBUCKET_CREATE_ISSUE_COMMENT: ['workspace', 'repo_slug', 'issue_id', 'content'],
  BITBUCKET_CREATE_PULL_REQUEST: ['workspace', 'repo_slug', 'title', 'source_branch', 'destination_branch', 'description', 'close_source_branch', 'reviewers'],
  BITBUCKET_CREATE_REPOSITORY: ['workspace', 'repo_slug', 'is_private', 'description', 'fork_policy', 'has_issues', 'has_wiki', 'language', 'project_key'],
  BITBUCKET_CREATE_SNIPPET_COMMENT: ['workspace', 'encoded_id', 'content', 'parent_id'],
  BITBUCKET_DELETE_ISSUE: ['workspace', 'repo_slug', 'issue_id'],
  BITBUCKET_DELETE_REPOSITORY: ['workspace', 'repo_slug'],
  BITBUCKET_GET_CURRENT_USER: [],
  BITBUCKET_GET_FILE_FROM_REPOSITORY: ['workspace', 'repo_slug', 'commit', 'path'],
  BITBUCKET_GET_PULL_REQUEST: ['workspace', 'repo_slug', 'pull_request_id'],
  BITBUCKET_GET_SNIPPET: ['workspace', 'encoded_id', 'accept_format'],
  BITBUCKET_LIST_PULL_REQUESTS: ['workspace', 'repo_slug', 'state', 'page', 'pagelen'],
  BITBUCKET_LIST_REPOSITORIES_IN_WORKSPACE: ['workspace', 'q', 'role', 'sort'],
  BITBUCKET_LIST_WORKSPACES: ['q', 'sort'],
  BITBUCKET_LIST_WORKSPACE_MEMBERS: ['workspace'],
  BITBUCKET_UPDATE_ISSUE: [
    'workspace',
    'repo_slug',
    'issue_id',
    'title',
    'content',
    'state',
    'kind',
    'priority',
    'assignee_account_id',
    'component',
    'milestone',
    'version',
  ],
};

/** Query parameters every list operation takes (A.1 filtering and sorting, A.2 pagination), listed or not by each operation. */
const genericQueryParameters = ['q', 'sort', 'page', 'pagelen', 'fields'];

/** `{+path}` is the engine's "keep slashes" form of the spec's `{path}`. */
const normalise = (template: string): string => template.replace(/\{\+/g, '{');

const segmentsOf = (template: string) =>
  normalise(template)
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const parameter = /^\{([^}]+)\}$/.exec(segment);
      return parameter ? { parameter: parameter[1]! } : { literal: segment };
    });

/** The spec path with the same literal segments and parameters in the same places (whatever their names). */
function specPathFor(template: string): string | undefined {
  const wanted = segmentsOf(template);
  return Object.keys(spec.paths).find((candidate) => {
    const segments = segmentsOf(candidate);
    return (
      segments.length === wanted.length &&
      segments.every((segment, index) => ('literal' in segment ? segment.literal === wanted[index]!.literal : 'parameter' in wanted[index]!))
    );
  });
}

function operationOf(tool: ToolDefinition): { path: string; operation: Operation; parameters: Parameter[] } {
  const path = specPathFor(tool.request.path);
  if (!path) throw new Error(`${tool.slug}: no operation of the spec has the path ${tool.request.path}`);
  const item = spec.paths[path]!;
  const operation = item[tool.request.method.toLowerCase() as 'get']!;
  if (!operation) throw new Error(`${tool.slug}: ${path} has no ${tool.request.method} operation`);
  return { path, operation, parameters: [...(item.parameters ?? []), ...(operation.parameters ?? [])] };
}

const templateArguments = (value: unknown): string[] => {
  if (typeof value === 'string') return value.startsWith('$') && !value.startsWith('$$') ? [value.slice(1).split('.')[0]!] : [];
  if (Array.isArray(value)) return value.flatMap(templateArguments);
  if (value && typeof value === 'object') return Object.values(value).flatMap(templateArguments);
  return [];
};

describe('Bitbucket toolkit against the official OpenAPI description', () => {
  it('has exactly the 17 tools agents know, with their input names', () => {
    expect(toolkit.tools.map((tool) => tool.slug).sort()).toEqual(Object.keys(expectedInputs).sort());
    for (const tool of toolkit.tools) {
      expect(Object.keys(tool.input_schema.properties as object).sort(), tool.slug).toEqual([...expectedInputs[tool.slug]!].sort());
      expect(tool.input_schema.additionalProperties, tool.slug).toBe(false);
    }
  });

  it('uses the spec server as its base URL', () => {
    expect(toolkit.base_url).toBe(spec.servers[0]!.url);
  });

  it.each(toolkit.tools.map((tool) => [tool.slug, tool] as const))('%s is a documented method and path', (_slug, tool) => {
    for (const template of [tool.request.path, ...(tool.request.path_variants ?? []).map((variant) => variant.path)]) {
      const path = specPathFor(template);
      expect(path, `${tool.slug}: ${template}`).toBeDefined();
      // Same structure and the same parameter names as the spec.
      expect(normalise(template)).toBe(path);
      expect(spec.paths[path!]![tool.request.method.toLowerCase() as 'get'], `${tool.request.method} ${path}`).toBeDefined();
    }
  });

  it.each(toolkit.tools.map((tool) => [tool.slug, tool] as const))('%s fills every path parameter from a required input', (_slug, tool) => {
    const { parameters } = operationOf(tool);
    const required = tool.input_schema.required as string[] | undefined;
    for (const parameter of parameters.filter((candidate) => candidate.in === 'path')) {
      expect(required, `${tool.slug} needs ${parameter.name}`).toContain(parameter.name);
    }
  });

  it.each(toolkit.tools.map((tool) => [tool.slug, tool] as const))('%s only sends query parameters the operation documents', (_slug, tool) => {
    const { parameters } = operationOf(tool);
    const documented = new Set([...parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name), ...genericQueryParameters]);
    for (const name of Object.keys(tool.request.query ?? {})) expect(documented, `${tool.slug} query ${name}`).toContain(name);
    const properties = Object.keys(tool.input_schema.properties as object);
    for (const argument of templateArguments([tool.request.query, tool.request.headers, tool.request.body])) {
      if (argument !== 'connection') expect(properties, `${tool.slug} template $${argument}`).toContain(argument);
    }
  });

  it.each(toolkit.tools.map((tool) => [tool.slug, tool] as const))('%s asks for the legacy OAuth scope the spec lists', (_slug, tool) => {
    const { operation } = operationOf(tool);
    const specScopes = (operation.security ?? []).flatMap((requirement) => requirement.oauth2 ?? []);
    expect([...tool.scopes].sort(), tool.slug).toEqual([...specScopes].sort());
  });

  it('requests exactly the OAuth scopes its tools need', () => {
    const oauth = toolkit.auth.find((scheme) => scheme.type === 'oauth2');
    expect(oauth).toMatchObject({
      authorization_url: 'https://bitbucket.org/site/oauth2/authorize',
      token_url: 'https://bitbucket.org/site/oauth2/access_token',
      pkce: true,
    });
    const needed = new Set(toolkit.tools.flatMap((tool) => tool.scopes));
    expect(oauth?.type === 'oauth2' ? [...oauth.scopes].sort() : []).toEqual([...needed].sort());
  });

  it('uses deprecated operations only for the issue tracker, which has no replacement', () => {
    const deprecated = toolkit.tools.filter((tool) => operationOf(tool).operation.deprecated).map((tool) => tool.slug);
    expect(deprecated.sort()).toEqual(['BITBUCKET_CREATE_ISSUE', 'BITBUCKET_CREATE_ISSUE_COMMENT', 'BITBUCKET_DELETE_ISSUE', 'BITBUCKET_UPDATE_ISSUE']);
  });

  it('annotates reads as read-only, deletes as destructive, and retries nothing that creates', () => {
    for (const tool of toolkit.tools) {
      const { method } = tool.request;
      expect(tool.annotations.readOnlyHint, tool.slug).toBe(method === 'GET');
      expect(tool.annotations.destructiveHint, tool.slug).toBe(method === 'DELETE');
      if (method === 'POST') expect(tool.annotations.idempotentHint, tool.slug).toBe(false);
      if (method === 'PUT' || method === 'DELETE') expect(tool.annotations.idempotentHint, tool.slug).toBe(true);
    }
  });
});
