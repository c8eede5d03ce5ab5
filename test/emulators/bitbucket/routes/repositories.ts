import { isMember, requireRepository, requireWorkspace } from '../access.js';
import { optionalBoolean, optionalEnum, optionalObject, optionalString, requireObjectBody } from '../body.js';
import { badRequest } from '../errors.js';
import { forkPolicies } from '../model.js';
import { listPage } from '../pagination.js';
import { renderRepository } from '../render.js';
import { jsonReply, noContent, type Route } from '../routing.js';

const repositoryRoles = ['member', 'contributor', 'admin', 'owner'];

/** Listing, creating, reading and deleting repositories. */
export const repositoryRoutes: Route[] = [
  {
    method: 'GET',
    path: '/repositories/{workspace}',
    oauthScope: 'repository',
    tokenScopes: ['read:repository:bitbucket'],
    handle(request) {
      const workspace = requireWorkspace(request);
      const role = request.query.get('role');
      if (role !== null && !repositoryRoles.includes(role)) throw badRequest(`"${role}" is not a valid role`, 'role');
      const permission = request.state.membership(workspace.slug, request.account.uuid)?.permission;
      const hasRole = role === null || (permission !== undefined && (role === 'member' || role === 'contributor' || permission === 'owner'));
      const visible = request.state.repositoriesOf(workspace.slug).filter((repository) => hasRole && (permission !== undefined || !repository.isPrivate));
      return jsonReply(
        200,
        listPage(
          visible.map((repository) => renderRepository(request, repository)),
          request.url,
        ),
      );
    },
  },
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}',
    oauthScope: 'repository',
    tokenScopes: ['read:repository:bitbucket'],
    handle: (request) => jsonReply(200, renderRepository(request, requireRepository(request, 'read'))),
  },
  {
    method: 'POST',
    path: '/repositories/{workspace}/{repo_slug}',
    oauthScope: 'repository:admin',
    tokenScopes: ['admin:repository:bitbucket'],
    handle(request) {
      const workspace = requireWorkspace(request);
      // The spec answers 400 (not 403) when the caller may not create repositories in the workspace.
      if (!isMember(request, workspace)) throw badRequest(`You do not have permission to create repositories in workspace ${workspace.slug}.`);
      const slug = request.params.repo_slug!;
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,61}$/.test(slug) || slug.startsWith('{')) throw badRequest(`Invalid repository slug: ${slug}`, 'slug');
      if (request.state.findRepository(workspace.slug, slug)) throw badRequest('Repository with this Slug and Owner already exists.', 'name');

      const body = requireObjectBody(request.body, { optional: true });
      const scm = optionalString(body, 'scm');
      if (scm !== undefined && scm !== 'git') throw badRequest(`"${scm}" is not a valid choice (git)`, 'scm');
      const projectReference = optionalObject(body, 'project');
      let projectKey: string | undefined;
      if (projectReference) {
        const key = optionalString(projectReference, 'key') ?? optionalString(projectReference, 'uuid');
        const project = key === undefined ? undefined : request.state.findProject(workspace.slug, key);
        if (!project) throw badRequest(`Project ${key ?? '(no key)'} not found in workspace ${workspace.slug}`, 'project');
        projectKey = project.key;
      }
      const repository = request.state.addRepository(workspace.slug, slug, {
        name: optionalString(body, 'name'),
        description: optionalString(body, 'description'),
        isPrivate: optionalBoolean(body, 'is_private'),
        forkPolicy: optionalEnum(body, 'fork_policy', forkPolicies),
        hasIssues: optionalBoolean(body, 'has_issues'),
        hasWiki: optionalBoolean(body, 'has_wiki'),
        language: optionalString(body, 'language')?.toLowerCase(),
        projectKey,
        authorEmail: request.account.email,
      });
      return jsonReply(200, renderRepository(request, repository));
    },
  },
  {
    method: 'DELETE',
    path: '/repositories/{workspace}/{repo_slug}',
    oauthScope: 'repository:delete',
    tokenScopes: ['delete:repository:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'admin');
      request.state.deleteRepository(repository.workspace, repository.slug);
      return noContent();
    },
  },
];
