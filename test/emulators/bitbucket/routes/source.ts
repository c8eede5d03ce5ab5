import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { requireRepository } from '../access.js';
import { isJsonObject, requiredString, requireObjectBody } from '../body.js';
import { contentTypeFor, isBinary } from '../content.js';
import { badRequest, notFound } from '../errors.js';
import type { Commit, Repository } from '../model.js';
import { listPage } from '../pagination.js';
import { type RenderContext, renderBranch, renderCommit, renderCommitReference, renderContent } from '../render.js';
import { type ApiReply, type ApiRequest, jsonReply, type Route } from '../routing.js';
import { isDirectory, listTree, type TreeEntry } from '../tree.js';

const renderableExtensions = new Set(['.md', '.markdown', '.mkd', '.mkdn', '.mdown', '.text', '.rst', '.textile']);

/** Branches, commits and the `src` file browser. */
export const sourceRoutes: Route[] = [
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/refs/branches',
    oauthScope: 'repository',
    tokenScopes: ['read:repository:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'read');
      const names = [...repository.branches.keys()].sort();
      return jsonReply(
        200,
        listPage(
          names.map((name) => renderBranch(request, repository, name)),
          request.url,
        ),
      );
    },
  },
  {
    method: 'POST',
    path: '/repositories/{workspace}/{repo_slug}/refs/branches',
    oauthScope: 'repository:write',
    tokenScopes: ['write:repository:bitbucket', 'read:repository:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'write');
      const body = requireObjectBody(request.body);
      const name = requiredString(body, 'name');
      const problem = branchNameProblem(name);
      if (problem) throw badRequest(problem, 'name');
      const target = body.target;
      if (!isJsonObject(target)) throw badRequest('This field is required.', 'target');
      const hash = requiredString(target, 'hash');
      if (repository.branches.has(name)) throw badRequest(`Branch "${name}" already exists.`, 'name');
      const lookup = request.state.resolveRevision(repository, hash);
      if (lookup.kind === 'ambiguous') throw badRequest(`Ambiguous commit hash prefix: ${hash}`, 'target.hash');
      if (lookup.kind === 'missing') throw badRequest(`Commit not found: ${hash}`, 'target.hash');
      repository.branches.set(name, lookup.commit.hash);
      const branch = renderBranch(request, repository, name);
      return jsonReply(201, branch, { Location: (branch.links as { self: { href: string } }).self.href });
    },
  },
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/refs/branches/{name}',
    oauthScope: 'repository',
    tokenScopes: ['read:repository:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'read');
      const name = request.params.name!;
      if (!repository.branches.has(name)) throw notFound(`Branch "${name}" not found in ${repository.workspace}/${repository.slug}`);
      return jsonReply(200, renderBranch(request, repository, name));
    },
  },
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/commit/{commit}',
    oauthScope: 'repository',
    tokenScopes: ['read:repository:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'read');
      return jsonReply(200, renderCommit(request, repository, requireCommit(request, repository)));
    },
  },
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/src',
    oauthScope: 'repository',
    tokenScopes: ['read:repository:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'read');
      const head = repository.branches.get(repository.mainBranch)!;
      const location = new URL(`${request.apiBase}/repositories/${repository.workspace}/${repository.slug}/src/${head}/`);
      location.search = request.url.search;
      return { status: 302, headers: { Location: location.toString() } };
    },
  },
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/src/{commit}/{path}',
    oauthScope: 'repository',
    tokenScopes: ['read:repository:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'read');
      const commit = requireCommit(request, repository);
      const format = request.query.get('format');
      if (format !== null && format !== 'meta' && format !== 'rendered') throw badRequest(`"${format}" is not a valid format (meta, rendered)`, 'format');
      const requested = request.params.path!;
      const path = requested.replace(/\/+$/, '');
      if (commit.files.has(path) && path === requested) return fileReply(request, repository, commit, path, format);
      if (!isDirectory(commit, path)) throw notFound(`No such file or directory: ${requested}`);
      if (format === 'rendered') throw badRequest('Only files can be rendered', 'format');
      if (format === 'meta') return jsonReply(200, renderTreeEntry(request, repository, commit, { kind: 'directory', path }));
      const maxDepth = request.query.get('max_depth') ?? '1';
      if (!/^\d+$/.test(maxDepth) || Number(maxDepth) < 1) throw badRequest(`Invalid max_depth: ${maxDepth}`, 'max_depth');
      const entries = listTree(commit, path, Number(maxDepth)).map((entry) => renderTreeEntry(request, repository, commit, entry));
      return jsonReply(200, listPage(entries, request.url));
    },
  },
];

/** Why git would refuse the branch name (check-ref-format), or undefined when it is fine. */
function branchNameProblem(name: string): string | undefined {
  if (name.startsWith('refs/')) return 'Branch names must not include a refs/ prefix such as refs/heads/.';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: git forbids control characters in ref names
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name) || name.includes('..') || name.includes('//') || name.includes('@{') || name === '@')
    return `"${name}" is not a valid branch name.`;
  if (name.startsWith('/') || name.startsWith('-') || name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock'))
    return `"${name}" is not a valid branch name.`;
  return undefined;
}

function requireCommit(request: ApiRequest, repository: Repository): Commit {
  const revision = request.params.commit!;
  const lookup = request.state.resolveRevision(repository, revision);
  if (lookup.kind === 'ambiguous') throw badRequest(`Ambiguous commit hash prefix: ${revision}`);
  if (lookup.kind === 'missing') throw notFound(`Commit not found: ${revision}`);
  return lookup.commit;
}

function fileReply(request: ApiRequest, repository: Repository, commit: Commit, path: string, format: string | null): ApiReply {
  const content = commit.files.get(path)!;
  if (format === 'meta') return jsonReply(200, renderTreeEntry(request, repository, commit, { kind: 'file', path }));
  if (format === 'rendered') {
    if (!renderableExtensions.has(extname(path).toLowerCase()) || isBinary(content)) throw badRequest(`Rendering is not supported for ${path}`, 'format');
    const markup = ['.md', '.markdown', '.mkd', '.mkdn', '.mdown'].includes(extname(path).toLowerCase()) ? 'markdown' : 'plaintext';
    return jsonReply(200, renderContent({ raw: content.toString('utf8'), markup }));
  }
  const fileName = path.split('/').at(-1)!;
  return {
    status: 200,
    body: content,
    contentType: contentTypeFor(path),
    headers: {
      'Content-Disposition': `attachment; filename="${fileName.replace(/"/g, '')}"`,
      ETag: `"${createHash('sha1').update(content).digest('hex')}"`,
    },
  };
}

function renderTreeEntry(context: RenderContext, repository: Repository, commit: Commit, entry: TreeEntry): Record<string, unknown> {
  const encodedPath = entry.path.split('/').map(encodeURIComponent).join('/');
  const self = `${context.apiBase}/repositories/${repository.workspace}/${repository.slug}/src/${commit.hash}/${encodedPath}${entry.kind === 'directory' ? '/' : ''}`;
  const common = { path: entry.path, commit: renderCommitReference(context, repository, commit.hash) };
  if (entry.kind === 'directory') return { type: 'commit_directory', ...common, links: { self: { href: self }, meta: { href: `${self}?format=meta` } } };
  const content = commit.files.get(entry.path)!;
  return {
    type: 'commit_file',
    ...common,
    escaped_path: entry.path,
    attributes: isBinary(content) ? ['binary'] : [],
    size: content.length,
    mimetype: contentTypeFor(entry.path),
    links: {
      self: { href: self },
      meta: { href: `${self}?format=meta` },
      history: { href: `${context.apiBase}/repositories/${repository.workspace}/${repository.slug}/filehistory/${commit.hash}/${encodedPath}` },
    },
  };
}
