import { requireWorkspace, requireWorkspaceMember } from '../access.js';
import { compileQuery } from '../bbql.js';
import { badRequest, notFound } from '../errors.js';
import { listPage, paginate, sortBy } from '../pagination.js';
import { renderCurrentUser, renderMembership, renderWorkspace, renderWorkspaceReference } from '../render.js';
import { type ApiRequest, jsonReply, type Route } from '../routing.js';

/** `GET /user`, the workspace lists and workspace members. */
export const workspaceRoutes: Route[] = [
  {
    method: 'GET',
    path: '/user',
    oauthScope: 'account',
    tokenScopes: ['read:user:bitbucket'],
    handle: (request) => jsonReply(200, renderCurrentUser(request, request.account)),
  },
  {
    method: 'GET',
    path: '/workspaces',
    oauthScope: 'account',
    tokenScopes: ['read:user:bitbucket', 'read:workspace:bitbucket'],
    handle(request) {
      const role = request.query.get('role');
      if (role !== null && !['owner', 'collaborator', 'member'].includes(role)) throw badRequest(`"${role}" is not a valid role`, 'role');
      const workspaces = callerMemberships(request)
        .filter((membership) => role !== 'owner' || membership.permission === 'owner')
        .map((membership) => renderWorkspace(request, request.state.findWorkspace(membership.workspace)!));
      return jsonReply(200, listPage(workspaces, request.url));
    },
  },
  {
    method: 'GET',
    path: '/user/workspaces',
    oauthScope: 'account',
    tokenScopes: ['read:workspace:bitbucket'],
    handle(request) {
      const administrator = request.query.get('administrator');
      if (administrator !== null && administrator !== 'true' && administrator !== 'false') throw badRequest('must be true or false', 'administrator');
      const sort = request.query.get('sort');
      if (sort !== null && sort !== 'slug' && sort !== '-slug') throw badRequest('Only slug is supported for sorting', 'sort');
      const q = request.query.get('q');
      const matchesQuery = q ? compileQuery(q) : () => true;
      const accesses = callerMemberships(request)
        .filter((membership) => administrator === null || (membership.permission === 'owner') === (administrator === 'true'))
        .map((membership) => ({
          membership,
          workspace: renderWorkspaceReference(request, request.state.findWorkspace(membership.workspace)!, 'workspace_base'),
        }))
        .filter(({ workspace }) => matchesQuery(workspace))
        .map(({ membership, workspace }) => ({ type: 'workspace_access', administrator: membership.permission === 'owner', workspace }));
      return jsonReply(200, paginate(sortBy(accesses, sort ? sort.replace('slug', 'workspace.slug') : 'workspace.slug'), request.url));
    },
  },
  {
    method: 'GET',
    path: '/workspaces/{workspace}',
    oauthScope: null,
    tokenScopes: ['read:workspace:bitbucket'],
    handle(request) {
      const workspace = requireWorkspace(request);
      requireWorkspaceMember(request, workspace);
      return jsonReply(200, renderWorkspace(request, workspace));
    },
  },
  {
    method: 'GET',
    path: '/workspaces/{workspace}/members',
    oauthScope: 'account',
    tokenScopes: ['read:workspace:bitbucket'],
    handle(request) {
      const workspace = requireWorkspace(request);
      requireWorkspaceMember(request, workspace);
      const q = request.query.get('q') ?? '';
      if (/user\.email/.test(q) && (q.match(/@/g) ?? []).length > 90) throw badRequest('You can query up to 90 email addresses at a time.');
      const withEmails = request.state
        .membersOf(workspace.slug)
        .map((membership) => renderMembership(request, workspace, request.state.account(membership.accountUuid), { includeEmail: true }));
      const page = listPage(withEmails, request.url);
      return jsonReply(200, emailsRequested(request) ? page : { ...page, values: page.values.map(withoutEmail) });
    },
  },
  {
    method: 'GET',
    path: '/workspaces/{workspace}/members/{member}',
    oauthScope: 'account',
    tokenScopes: ['read:workspace:bitbucket'],
    handle(request) {
      const workspace = requireWorkspace(request);
      requireWorkspaceMember(request, workspace);
      const reference = request.params.member!;
      const account = request.state.findAccount(reference.startsWith('{') ? { uuid: reference } : { account_id: reference });
      if (!account || !request.state.membership(workspace.slug, account.uuid)) throw notFound(`${reference} is not a member of workspace ${workspace.slug}`);
      return jsonReply(200, renderMembership(request, workspace, account));
    },
  },
];

function callerMemberships(request: ApiRequest) {
  return request.state.memberships.filter((membership) => membership.accountUuid === request.account.uuid);
}

/** `fields=+values.user.email` (or an explicit `values.user.email`) adds the address to each member. */
function emailsRequested(request: ApiRequest): boolean {
  return (request.query.get('fields') ?? '').split(',').some((field) => field.trim().replace(/^\+/, '') === 'values.user.email');
}

function withoutEmail(membership: Record<string, unknown>): Record<string, unknown> {
  const { email: _email, ...user } = membership.user as Record<string, unknown>;
  return { ...membership, user };
}
