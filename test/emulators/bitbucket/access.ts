import { forbidden, notFound } from './errors.js';
import type { Repository, Snippet, Workspace } from './model.js';
import type { ApiRequest } from './routing.js';

export type AccessLevel = 'read' | 'write' | 'admin';

/** The workspace named by the `{workspace}` parameter (slug or `{uuid}`), or 404. */
export function requireWorkspace(request: ApiRequest): Workspace {
  const reference = request.params.workspace!;
  const workspace = request.state.findWorkspace(reference);
  if (!workspace) throw notFound(`No workspace with identifier '${reference}'.`);
  return workspace;
}

/** True when the caller may see the workspace's private content. */
export function isMember(request: ApiRequest, workspace: Workspace): boolean {
  return request.state.membership(workspace.slug, request.account.uuid) !== undefined;
}

export function requireWorkspaceMember(request: ApiRequest, workspace: Workspace): void {
  if (!isMember(request, workspace)) throw forbidden(`You do not have access to workspace ${workspace.slug}.`);
}

/**
 * The repository named by `{workspace}/{repo_slug}`, checked for the caller: members read and write, owners
 * administer, everybody reads public repositories. A missing repository is 404, a forbidden one 403.
 */
export function requireRepository(request: ApiRequest, level: AccessLevel): Repository {
  const { workspace: workspaceReference, repo_slug: slug } = request.params as { workspace: string; repo_slug: string };
  const workspace = request.state.findWorkspace(workspaceReference);
  const repository = workspace && request.state.findRepository(workspace.slug, slug);
  if (!workspace || !repository) throw notFound(`Repository ${workspaceReference}/${slug} not found`);
  const permission = request.state.membership(workspace.slug, request.account.uuid)?.permission;
  const fullName = `${workspace.slug}/${repository.slug}`;
  if (level === 'read' && !permission && repository.isPrivate) throw forbidden(`You do not have access to repository ${fullName}.`);
  if (level === 'write' && !permission) throw forbidden(`You need write access to repository ${fullName}.`);
  if (level === 'admin' && permission !== 'owner') throw forbidden(`You need admin access to repository ${fullName}.`);
  return repository;
}

/** Issue endpoints answer 404 when the repository's tracker is off (A.5 §2). */
export function requireIssueTracker(repository: Repository): void {
  if (!repository.hasIssues) throw notFound(`Repository ${repository.workspace}/${repository.slug} has no issue tracker.`);
}

/** The snippet named by `{workspace}/{encoded_id}`; private snippets need workspace membership. */
export function requireSnippet(request: ApiRequest): Snippet {
  const workspace = requireWorkspace(request);
  const encodedId = request.params.encoded_id!;
  const snippet = request.state.findSnippet(workspace.slug, encodedId);
  if (!snippet) throw notFound(`Snippet ${workspace.slug}/${encodedId} not found`);
  if (snippet.isPrivate && !isMember(request, workspace)) throw forbidden(`You do not have access to snippet ${workspace.slug}/${encodedId}.`);
  return snippet;
}
