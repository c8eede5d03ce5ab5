import { requireIssueTracker, requireRepository } from '../access.js';
import { isJsonObject, type JsonObject, optionalContent, optionalEnum, requiredString, requireObjectBody } from '../body.js';
import { badRequest, notFound } from '../errors.js';
import {
  type Issue,
  type IssueKind,
  type IssuePriority,
  type IssueState,
  issueKinds,
  issuePriorities,
  issueStates,
  type Repository,
  type TrackerOption,
  type TrackerOptionKind,
} from '../model.js';
import { listPage } from '../pagination.js';
import { renderIssue, renderIssueComment } from '../render.js';
import { type ApiRequest, jsonReply, noContent, type Route } from '../routing.js';

const trackerFields: TrackerOptionKind[] = ['milestone', 'version', 'component'];
const issueRead = { oauthScope: 'issue', tokenScopes: ['read:issue:bitbucket'] };
const issueWrite = { oauthScope: 'issue:write', tokenScopes: ['read:issue:bitbucket', 'write:issue:bitbucket'] };

/** The (deprecated but live) issue tracker: issues and their comments. */
export const issueRoutes: Route[] = [
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/issues',
    ...issueRead,
    handle(request) {
      const repository = trackerRepository(request, 'read');
      const issues = [...repository.issues.values()].map((issue) => renderIssue(request, repository, issue));
      return jsonReply(200, listPage(issues, request.url));
    },
  },
  {
    method: 'POST',
    path: '/repositories/{workspace}/{repo_slug}/issues',
    ...issueWrite,
    handle(request) {
      // Anyone who can see a tracker may report issues, as on bitbucket.org.
      const repository = trackerRepository(request, 'read');
      const body = requireObjectBody(request.body);
      const now = request.state.now();
      const issue: Issue = {
        id: repository.nextIssueId,
        title: requiredString(body, 'title'),
        content: optionalContent(body) ?? { raw: '', markup: 'markdown' },
        kind: optionalEnum(body, 'kind', issueKinds) ?? 'bug',
        priority: optionalEnum(body, 'priority', issuePriorities) ?? 'major',
        state: optionalEnum(body, 'state', issueStates) ?? 'new',
        reporterUuid: request.account.uuid,
        assigneeUuid: body.assignee == null ? null : assigneeOf(request, body.assignee),
        milestone: trackerOption(repository, 'milestone', body.milestone),
        version: trackerOption(repository, 'version', body.version),
        component: trackerOption(repository, 'component', body.component),
        votes: 0,
        createdOn: now,
        updatedOn: now,
        editedOn: null,
        comments: [],
      };
      repository.issues.set(issue.id, issue);
      repository.nextIssueId += 1;
      const rendered = renderIssue(request, repository, issue);
      return jsonReply(201, rendered, { Location: selfHref(rendered) });
    },
  },
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/issues/{issue_id}',
    ...issueRead,
    handle(request) {
      const repository = trackerRepository(request, 'read');
      return jsonReply(200, renderIssue(request, repository, requireIssue(request, repository)));
    },
  },
  {
    method: 'PUT',
    path: '/repositories/{workspace}/{repo_slug}/issues/{issue_id}',
    ...issueWrite,
    handle(request) {
      const repository = trackerRepository(request, 'write');
      const issue = requireIssue(request, repository);
      applyIssueUpdate(request, repository, issue, requireObjectBody(request.body));
      return jsonReply(200, renderIssue(request, repository, issue));
    },
  },
  {
    method: 'DELETE',
    path: '/repositories/{workspace}/{repo_slug}/issues/{issue_id}',
    oauthScope: 'issue:write',
    tokenScopes: ['delete:issue:bitbucket'],
    handle(request) {
      const repository = trackerRepository(request, 'write');
      repository.issues.delete(requireIssue(request, repository).id);
      return noContent();
    },
  },
  {
    method: 'GET',
    path: '/repositories/{workspace}/{repo_slug}/issues/{issue_id}/comments',
    ...issueRead,
    handle(request) {
      const repository = trackerRepository(request, 'read');
      const issue = requireIssue(request, repository);
      return jsonReply(
        200,
        listPage(
          issue.comments.map((comment) => renderIssueComment(request, repository, issue, comment)),
          request.url,
        ),
      );
    },
  },
  {
    method: 'POST',
    path: '/repositories/{workspace}/{repo_slug}/issues/{issue_id}/comments',
    ...issueWrite,
    handle(request) {
      const repository = trackerRepository(request, 'read');
      const issue = requireIssue(request, repository);
      const content = optionalContent(requireObjectBody(request.body));
      if (!content || content.raw.trim() === '') throw badRequest('This field is required.', 'content.raw');
      const comment = {
        id: request.state.nextCommentId(),
        content,
        authorUuid: request.account.uuid,
        parentId: null,
        createdOn: request.state.now(),
        updatedOn: null,
      };
      issue.comments.push(comment);
      const rendered = renderIssueComment(request, repository, issue, comment);
      return jsonReply(201, rendered, { Location: selfHref(rendered) });
    },
  },
];

function trackerRepository(request: ApiRequest, level: 'read' | 'write'): Repository {
  const repository = requireRepository(request, level);
  requireIssueTracker(repository);
  return repository;
}

function requireIssue(request: ApiRequest, repository: Repository): Issue {
  const id = request.params.issue_id!;
  const issue = /^\d+$/.test(id) ? repository.issues.get(Number(id)) : undefined;
  if (!issue) throw notFound(`Issue ${id} not found in ${repository.workspace}/${repository.slug}`);
  return issue;
}

/** PUT semantics: present fields are set, `null` clears the optional ones, absent fields stay. */
function applyIssueUpdate(request: ApiRequest, repository: Repository, issue: Issue, body: JsonObject): void {
  const present = (field: string) => Object.hasOwn(body, field);
  const notNull = (field: string) => {
    if (body[field] === null) throw badRequest('This field may not be null.', field);
  };
  if (present('title')) issue.title = requiredString(body, 'title');
  if (present('content')) issue.content = optionalContent(body) ?? { raw: '', markup: 'markdown' };
  for (const [field, allowed] of [
    ['kind', issueKinds],
    ['priority', issuePriorities],
    ['state', issueStates],
  ] as const) {
    if (!present(field)) continue;
    notNull(field);
    const value = optionalEnum<string>(body, field, allowed);
    if (field === 'kind') issue.kind = value as IssueKind;
    else if (field === 'priority') issue.priority = value as IssuePriority;
    else issue.state = value as IssueState;
  }
  if (present('assignee')) issue.assigneeUuid = body.assignee === null ? null : assigneeOf(request, body.assignee);
  for (const field of trackerFields) if (present(field)) issue[field] = trackerOption(repository, field, body[field]);
  const now = request.state.now();
  issue.updatedOn = now;
  issue.editedOn = now;
}

/** `assignee: {account_id}`, `{uuid}` or `{username}`; an unknown user is a 400. */
function assigneeOf(request: ApiRequest, value: unknown): string {
  if (!isJsonObject(value)) throw badRequest('must be an object with account_id, uuid or username', 'assignee');
  const account = request.state.findAccount(value);
  if (!account) throw badRequest(`No such user: ${JSON.stringify(value)}`, 'assignee');
  return account.uuid;
}

/** `milestone|version|component: {name}` (or `{id}`) must name an option of the repository's tracker; `null` clears. */
function trackerOption(repository: Repository, kind: TrackerOptionKind, value: unknown): TrackerOption | null {
  if (value === undefined || value === null) return null;
  if (!isJsonObject(value)) throw badRequest('must be an object with a name', kind);
  const option = repository.trackerOptions[kind].find((candidate) => candidate.name === value.name || (value.id !== undefined && candidate.id === value.id));
  if (!option) throw badRequest(`No ${kind} named ${JSON.stringify(value.name ?? value.id)} in this issue tracker.`, kind);
  return option;
}

function selfHref(rendered: Record<string, unknown>): string {
  return (rendered.links as { self: { href: string } }).self.href;
}
