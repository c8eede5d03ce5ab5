import { requireRepository } from '../access.js';
import { isJsonObject, type JsonObject, optionalBoolean, optionalObject, optionalString, requiredString, requireObjectBody } from '../body.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import { type PullRequest, type PullRequestState, pullRequestStates, type Repository } from '../model.js';
import { listPage } from '../pagination.js';
import { renderPullRequest } from '../render.js';
import { type ApiRequest, jsonReply, type Route } from '../routing.js';

/** Pull requests are listed at most 50 per page (A.2). */
const maxPullRequestPagelen = 50;

export const pullRequestRoutes: Route[] = [
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/pullrequests',
    oauthScope: 'pullrequest',
    tokenScopes: ['read:pullrequest:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'read');
      const states = request.query.getAll('state').map((state) => state.toUpperCase());
      for (const state of states)
        if (!pullRequestStates.includes(state as PullRequestState))
          throw badRequest(`"${state}" is not a valid state (${pullRequestStates.join(', ')})`, 'state');
      const wanted = states.length > 0 ? states : ['OPEN'];
      const pullRequests = [...repository.pullRequests.values()]
        .filter((pullRequest) => wanted.includes(pullRequest.state))
        .map((pullRequest) => renderPullRequest(request, repository, pullRequest));
      return jsonReply(200, listPage(pullRequests, request.url, { maxPagelen: maxPullRequestPagelen }));
    },
  },
  {
    method: 'POST',
    path: '/repositories/{workspace}/{repo_slug}/pullrequests',
    oauthScope: 'pullrequest:write',
    tokenScopes: ['read:pullrequest:bitbucket', 'write:pullrequest:bitbucket'],
    handle(request) {
      const destinationRepository = requireRepository(request, 'read');
      const body = requireObjectBody(request.body);
      const title = requiredString(body, 'title');
      const source = optionalObject(body, 'source');
      const sourceBranch = source && optionalObject(source, 'branch');
      const sourceBranchName = sourceBranch && optionalString(sourceBranch, 'name');
      if (!sourceBranchName) throw badRequest('This field is required.', 'source.branch.name');
      const sourceRepository = sourceRepositoryOf(request, destinationRepository, source);
      const sourceHash = sourceRepository.branches.get(sourceBranchName);
      if (!sourceHash) throw badRequest(`Branch "${sourceBranchName}" does not exist in ${fullName(sourceRepository)}.`, 'source');

      const destination = optionalObject(body, 'destination');
      const destinationBranch = destination && optionalObject(destination, 'branch');
      const destinationBranchName = (destinationBranch && optionalString(destinationBranch, 'name')) || destinationRepository.mainBranch;
      const destinationHash = destinationRepository.branches.get(destinationBranchName);
      if (!destinationHash) throw badRequest(`Branch "${destinationBranchName}" does not exist in ${fullName(destinationRepository)}.`, 'destination');
      if (sourceRepository === destinationRepository && sourceBranchName === destinationBranchName)
        throw badRequest('The source branch must differ from the destination branch.', 'source');

      const now = request.state.now();
      const pullRequest: PullRequest = {
        id: destinationRepository.nextPullRequestId,
        title,
        description: optionalString(body, 'description') ?? '',
        state: 'OPEN',
        authorUuid: request.account.uuid,
        source: { repositoryFullName: fullName(sourceRepository), branch: sourceBranchName, hash: sourceHash },
        destination: { repositoryFullName: fullName(destinationRepository), branch: destinationBranchName, hash: destinationHash },
        closeSourceBranch: optionalBoolean(body, 'close_source_branch') ?? false,
        draft: optionalBoolean(body, 'draft') ?? false,
        reviewerUuids: reviewersOf(request, body),
        commentCount: 0,
        taskCount: 0,
        createdOn: now,
        updatedOn: now,
      };
      destinationRepository.pullRequests.set(pullRequest.id, pullRequest);
      destinationRepository.nextPullRequestId += 1;
      const rendered = renderPullRequest(request, destinationRepository, pullRequest);
      return jsonReply(201, rendered, { Location: (rendered.links as { self: { href: string } }).self.href });
    },
  },
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}',
    oauthScope: 'pullrequest',
    tokenScopes: ['read:pullrequest:bitbucket'],
    handle(request) {
      const repository = requireRepository(request, 'read');
      const id = request.params.pull_request_id!;
      const pullRequest = /^\d+$/.test(id) ? repository.pullRequests.get(Number(id)) : undefined;
      if (!pullRequest) throw notFound(`Pull request ${id} not found in ${fullName(repository)}`);
      return jsonReply(200, renderPullRequest(request, repository, pullRequest));
    },
  },
];

function fullName(repository: Repository): string {
  return `${repository.workspace}/${repository.slug}`;
}

/** `source.repository.full_name` opens a pull request from a fork; by default the source is the destination repository. */
function sourceRepositoryOf(request: ApiRequest, destination: Repository, source: JsonObject | undefined): Repository {
  const reference = source && optionalObject(source, 'repository');
  const name = reference && optionalString(reference, 'full_name');
  if (!name || name === fullName(destination)) return destination;
  const [workspace = '', slug = ''] = name.split('/');
  const repository = request.state.findRepository(workspace, slug);
  if (!repository) throw badRequest(`Repository ${name} not found`, 'source.repository');
  if (repository.isPrivate && !request.state.membership(repository.workspace, request.account.uuid))
    throw forbidden(`You do not have access to repository ${name}.`);
  return repository;
}

/** `reviewers: [{uuid} | {account_id}]`: every reviewer must be a known user other than the author. */
function reviewersOf(request: ApiRequest, body: JsonObject): string[] {
  const reviewers = body.reviewers;
  if (reviewers === undefined || reviewers === null) return [];
  if (!Array.isArray(reviewers)) throw badRequest('must be a list of users', 'reviewers');
  const uuids: string[] = [];
  for (const reviewer of reviewers) {
    if (!isJsonObject(reviewer)) throw badRequest('each reviewer must be an object with a uuid or account_id', 'reviewers');
    const account = request.state.findAccount(reviewer);
    if (!account) throw badRequest(`Malformed reviewers list or unknown user: ${JSON.stringify(reviewer)}`, 'reviewers');
    if (account.uuid === request.account.uuid) throw badRequest(`${account.displayName} is the author and cannot be included as a reviewer.`, 'reviewers');
    if (!uuids.includes(account.uuid)) uuids.push(account.uuid);
  }
  return uuids;
}
