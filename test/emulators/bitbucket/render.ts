import type {
  Account,
  Comment,
  Commit,
  Content,
  Issue,
  Project,
  PullRequest,
  PullRequestEndpoint,
  Repository,
  Snippet,
  TrackerOption,
  Workspace,
} from './model.js';
import { mergeStrategies } from './model.js';
import type { BitbucketState } from './state.js';

/**
 * Turns records into the JSON shapes of the OpenAPI schemas (`account`, `repository`, `branch`, `pullrequest`, …).
 * API links point at the emulator (`apiBase`), so `next` and `self` links can be followed; HTML links point at
 * bitbucket.org as they would in production.
 */
export interface RenderContext {
  apiBase: string;
  state: BitbucketState;
}

type Json = Record<string, unknown>;

const htmlBase = 'https://bitbucket.org';
const link = (href: string): { href: string } => ({ href });
const segment = (value: string): string => encodeURIComponent(value);

export function renderContent(content: Content): Json {
  return { type: 'rendered', raw: content.raw, markup: content.markup, html: renderHtml(content.raw) };
}

/** Just enough HTML for the `html` members: escaped paragraphs. */
export function renderHtml(raw: string): string {
  if (!raw) return '';
  const escaped = raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return escaped
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${paragraph.replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
}

/** The `user` shape embedded in other objects (author, reviewer, reporter…). */
export function renderAccount(context: RenderContext, account: Account): Json {
  return {
    type: 'user',
    display_name: account.displayName,
    uuid: account.uuid,
    account_id: account.accountId,
    nickname: account.username,
    links: {
      self: link(`${context.apiBase}/users/${segment(account.uuid)}`),
      html: link(`${htmlBase}/${segment(account.uuid)}/`),
      avatar: link(`https://avatar-management.example/initials/${account.displayName.slice(0, 1).toUpperCase()}.png`),
    },
  };
}

/** `GET /user`: the full profile of the caller. */
export function renderCurrentUser(context: RenderContext, account: Account): Json {
  const embedded = renderAccount(context, account);
  return {
    ...embedded,
    username: account.username,
    created_on: account.createdOn,
    account_status: 'active',
    has_2fa_enabled: null,
    is_staff: false,
    location: null,
    links: { ...(embedded.links as Json), repositories: link(`${context.apiBase}/repositories/${segment(account.uuid)}`) },
  };
}

export function renderWorkspace(context: RenderContext, workspace: Workspace): Json {
  const api = `${context.apiBase}/workspaces/${workspace.slug}`;
  return {
    type: 'workspace',
    uuid: workspace.uuid,
    name: workspace.name,
    slug: workspace.slug,
    is_private: workspace.isPrivate,
    is_privacy_enforced: false,
    forking_mode: workspace.forkingMode,
    created_on: workspace.createdOn,
    updated_on: workspace.updatedOn,
    links: {
      self: link(api),
      html: link(`${htmlBase}/${workspace.slug}/`),
      avatar: link(`${htmlBase}/workspaces/${workspace.slug}/avatar/`),
      members: link(`${api}/members`),
      owners: link(`${api}/members?q=permission%3D%22owner%22`),
      projects: link(`${api}/projects`),
      repositories: link(`${context.apiBase}/repositories/${workspace.slug}`),
      snippets: link(`${context.apiBase}/snippets/${workspace.slug}`),
    },
  };
}

/** The small workspace reference embedded in memberships and repositories. */
export function renderWorkspaceReference(context: RenderContext, workspace: Workspace, type = 'workspace'): Json {
  return {
    type,
    uuid: workspace.uuid,
    name: workspace.name,
    slug: workspace.slug,
    links: {
      self: link(`${context.apiBase}/workspaces/${workspace.slug}`),
      html: link(`${htmlBase}/${workspace.slug}/`),
      avatar: link(`${htmlBase}/workspaces/${workspace.slug}/avatar/`),
    },
  };
}

export function renderMembership(context: RenderContext, workspace: Workspace, account: Account, options: { includeEmail?: boolean } = {}): Json {
  const user = renderAccount(context, account);
  return {
    type: 'workspace_membership',
    user: options.includeEmail ? { ...user, email: account.email } : user,
    workspace: renderWorkspaceReference(context, workspace),
    links: { self: link(`${context.apiBase}/workspaces/${workspace.slug}/members/${segment(account.uuid)}`) },
  };
}

export function renderProjectReference(context: RenderContext, project: Project): Json {
  return {
    type: 'project',
    key: project.key,
    uuid: project.uuid,
    name: project.name,
    links: {
      self: link(`${context.apiBase}/workspaces/${project.workspace}/projects/${project.key}`),
      html: link(`${htmlBase}/${project.workspace}/workspace/projects/${project.key}`),
    },
  };
}

/** The `{type, full_name, name, uuid, links}` reference embedded in commits, pull requests and issues. */
export function renderRepositoryReference(context: RenderContext, repository: Repository): Json {
  const fullName = `${repository.workspace}/${repository.slug}`;
  return {
    type: 'repository',
    full_name: fullName,
    name: repository.name,
    uuid: repository.uuid,
    links: {
      self: link(`${context.apiBase}/repositories/${fullName}`),
      html: link(`${htmlBase}/${fullName}`),
      avatar: link(`https://bytebucket.org/ravatar/${segment(repository.uuid)}?ts=default`),
    },
  };
}

export function renderRepository(context: RenderContext, repository: Repository): Json {
  const fullName = `${repository.workspace}/${repository.slug}`;
  const api = `${context.apiBase}/repositories/${fullName}`;
  const workspace = context.state.findWorkspace(repository.workspace)!;
  const project = context.state.findProject(repository.workspace, repository.projectKey);
  const reference = renderRepositoryReference(context, repository);
  const size = [...repository.commits.values()].reduce((total, commit) => total + [...commit.files.values()].reduce((sum, file) => sum + file.length, 0), 0);
  return {
    ...reference,
    slug: repository.slug,
    description: repository.description,
    scm: 'git',
    website: null,
    owner: { ...renderWorkspaceReference(context, workspace, 'team'), display_name: workspace.name, username: workspace.slug },
    workspace: renderWorkspaceReference(context, workspace),
    is_private: repository.isPrivate,
    project: project ? renderProjectReference(context, project) : null,
    fork_policy: repository.forkPolicy,
    created_on: repository.createdOn,
    updated_on: repository.updatedOn,
    size,
    language: repository.language,
    has_issues: repository.hasIssues,
    has_wiki: repository.hasWiki,
    mainbranch: { type: 'branch', name: repository.mainBranch },
    links: {
      ...(reference.links as Json),
      pullrequests: link(`${api}/pullrequests`),
      commits: link(`${api}/commits`),
      forks: link(`${api}/forks`),
      watchers: link(`${api}/watchers`),
      branches: link(`${api}/refs/branches`),
      tags: link(`${api}/refs/tags`),
      downloads: link(`${api}/downloads`),
      source: link(`${api}/src`),
      hooks: link(`${api}/hooks`),
      issues: link(`${api}/issues`),
      clone: [
        { name: 'https', href: `https://bitbucket.org/${fullName}.git` },
        { name: 'ssh', href: `git@bitbucket.org:${fullName}.git` },
      ],
    },
  };
}

function commitLinks(context: RenderContext, repository: Repository, hash: string): Json {
  const fullName = `${repository.workspace}/${repository.slug}`;
  return { self: link(`${context.apiBase}/repositories/${fullName}/commit/${hash}`), html: link(`${htmlBase}/${fullName}/commits/${hash}`) };
}

/** The short `{type, hash, links}` form used for parents and in listings. */
export function renderCommitReference(context: RenderContext, repository: Repository, hash: string): Json {
  return { type: 'commit', hash, links: commitLinks(context, repository, hash) };
}

export function renderCommit(context: RenderContext, repository: Repository, commit: Commit): Json {
  const author = context.state.account(commit.authorUuid);
  return {
    type: 'commit',
    hash: commit.hash,
    date: commit.date.replace(/\.\d+\+00:00$/, '+00:00'),
    author: { type: 'author', raw: `${author.displayName} <${author.email}>`, user: renderAccount(context, author) },
    message: commit.message,
    summary: renderContent({ raw: commit.message, markup: 'markdown' }),
    parents: commit.parents.map((parent) => renderCommitReference(context, repository, parent)),
    repository: renderRepositoryReference(context, repository),
    links: {
      ...commitLinks(context, repository, commit.hash),
      diff: link(`${context.apiBase}/repositories/${repository.workspace}/${repository.slug}/diff/${commit.hash}`),
      statuses: link(`${context.apiBase}/repositories/${repository.workspace}/${repository.slug}/commit/${commit.hash}/statuses`),
    },
  };
}

export function renderBranch(context: RenderContext, repository: Repository, name: string): Json {
  const commit = repository.commits.get(repository.branches.get(name)!)!;
  const fullName = `${repository.workspace}/${repository.slug}`;
  return {
    type: 'branch',
    name,
    target: renderCommit(context, repository, commit),
    links: {
      self: link(`${context.apiBase}/repositories/${fullName}/refs/branches/${segment(name)}`),
      commits: link(`${context.apiBase}/repositories/${fullName}/commits/${segment(name)}`),
      html: link(`${htmlBase}/${fullName}/branch/${segment(name)}`),
    },
    merge_strategies: [...mergeStrategies],
    default_merge_strategy: 'merge_commit',
  };
}

function renderEndpoint(context: RenderContext, endpoint: PullRequestEndpoint, isDestination: boolean): Json {
  const [workspace, slug] = endpoint.repositoryFullName.split('/') as [string, string];
  const repository = context.state.findRepository(workspace, slug);
  return {
    branch: isDestination
      ? { name: endpoint.branch, merge_strategies: [...mergeStrategies], default_merge_strategy: 'merge_commit' }
      : { name: endpoint.branch },
    commit: repository ? renderCommitReference(context, repository, endpoint.hash.slice(0, 12)) : { type: 'commit', hash: endpoint.hash.slice(0, 12) },
    repository: repository ? renderRepositoryReference(context, repository) : { type: 'repository', full_name: endpoint.repositoryFullName },
  };
}

export function renderPullRequest(context: RenderContext, repository: Repository, pullRequest: PullRequest): Json {
  const api = `${context.apiBase}/repositories/${repository.workspace}/${repository.slug}/pullrequests/${pullRequest.id}`;
  const description: Content = { raw: pullRequest.description, markup: 'markdown' };
  return {
    type: 'pullrequest',
    id: pullRequest.id,
    title: pullRequest.title,
    description: pullRequest.description,
    summary: renderContent(description),
    rendered: { title: renderContent({ raw: pullRequest.title, markup: 'markdown' }), description: renderContent(description) },
    state: pullRequest.state,
    author: renderAccount(context, context.state.account(pullRequest.authorUuid)),
    source: renderEndpoint(context, pullRequest.source, false),
    destination: renderEndpoint(context, pullRequest.destination, true),
    merge_commit: null,
    comment_count: pullRequest.commentCount,
    task_count: pullRequest.taskCount,
    close_source_branch: pullRequest.closeSourceBranch,
    closed_by: null,
    reason: '',
    created_on: pullRequest.createdOn,
    updated_on: pullRequest.updatedOn,
    reviewers: pullRequest.reviewerUuids.map((uuid) => renderAccount(context, context.state.account(uuid))),
    participants: pullRequest.reviewerUuids.map((uuid) => ({
      type: 'participant',
      user: renderAccount(context, context.state.account(uuid)),
      role: 'REVIEWER',
      approved: false,
      state: null,
      participated_on: null,
    })),
    draft: pullRequest.draft,
    queued: false,
    links: {
      self: link(api),
      html: link(`${htmlBase}/${repository.workspace}/${repository.slug}/pull-requests/${pullRequest.id}`),
      commits: link(`${api}/commits`),
      approve: link(`${api}/approve`),
      diff: link(`${api}/diff`),
      diffstat: link(`${api}/diffstat`),
      comments: link(`${api}/comments`),
      activity: link(`${api}/activity`),
      merge: link(`${api}/merge`),
      decline: link(`${api}/decline`),
    },
  };
}

function renderTrackerOption(context: RenderContext, repository: Repository, kind: string, option: TrackerOption | null): Json | null {
  if (!option) return null;
  const path = `${context.apiBase}/repositories/${repository.workspace}/${repository.slug}/${kind}s/${option.id}`;
  return { type: kind, id: option.id, name: option.name, links: { self: link(path) } };
}

function issueLinks(context: RenderContext, repository: Repository, id: number): Json {
  const api = `${context.apiBase}/repositories/${repository.workspace}/${repository.slug}/issues/${id}`;
  return { self: link(api), html: link(`${htmlBase}/${repository.workspace}/${repository.slug}/issues/${id}`) };
}

export function renderIssue(context: RenderContext, repository: Repository, issue: Issue): Json {
  const api = `${context.apiBase}/repositories/${repository.workspace}/${repository.slug}/issues/${issue.id}`;
  return {
    type: 'issue',
    id: issue.id,
    repository: renderRepositoryReference(context, repository),
    title: issue.title,
    reporter: renderAccount(context, context.state.account(issue.reporterUuid)),
    assignee: issue.assigneeUuid ? renderAccount(context, context.state.account(issue.assigneeUuid)) : null,
    created_on: issue.createdOn,
    updated_on: issue.updatedOn,
    edited_on: issue.editedOn,
    state: issue.state,
    kind: issue.kind,
    priority: issue.priority,
    milestone: renderTrackerOption(context, repository, 'milestone', issue.milestone),
    version: renderTrackerOption(context, repository, 'version', issue.version),
    component: renderTrackerOption(context, repository, 'component', issue.component),
    votes: issue.votes,
    watches: 1,
    content: renderContent(issue.content),
    links: {
      ...issueLinks(context, repository, issue.id),
      comments: link(`${api}/comments`),
      attachments: link(`${api}/attachments`),
      watch: link(`${api}/watch`),
      vote: link(`${api}/vote`),
    },
  };
}

export function renderIssueComment(context: RenderContext, repository: Repository, issue: Issue, comment: Comment): Json {
  const issueApi = issueLinks(context, repository, issue.id) as { self: { href: string }; html: { href: string } };
  return {
    type: 'issue_comment',
    id: comment.id,
    created_on: comment.createdOn,
    updated_on: comment.updatedOn,
    content: renderContent(comment.content),
    user: renderAccount(context, context.state.account(comment.authorUuid)),
    deleted: false,
    issue: {
      type: 'issue',
      id: issue.id,
      title: issue.title,
      repository: renderRepositoryReference(context, repository),
      links: issueLinks(context, repository, issue.id),
    },
    links: { self: link(`${issueApi.self.href}/comments/${comment.id}`), html: link(`${issueApi.html.href}#comment-${comment.id}`) },
  };
}

function snippetLinks(context: RenderContext, snippet: Snippet): { api: string; html: string } {
  return {
    api: `${context.apiBase}/snippets/${snippet.workspace}/${snippet.encodedId}`,
    html: `${htmlBase}/snippets/${snippet.workspace}/${snippet.encodedId}`,
  };
}

/** The snippet's root-level scalar properties (also what a `multipart/form-data` response carries). */
export function snippetScalars(snippet: Snippet): Record<string, string | number | boolean> {
  return { id: snippet.id, title: snippet.title, scm: 'git', created_on: snippet.createdOn, updated_on: snippet.updatedOn, is_private: snippet.isPrivate };
}

export function renderSnippet(context: RenderContext, snippet: Snippet): Json {
  const { api, html } = snippetLinks(context, snippet);
  const workspace = context.state.findWorkspace(snippet.workspace)!;
  const files = Object.fromEntries(
    [...snippet.files.keys()].map((name) => [
      name,
      { links: { self: link(`${api}/${snippet.revision}/files/${segment(name)}`), html: link(`${html}#file-${segment(name)}`) } },
    ]),
  );
  return {
    type: 'snippet',
    ...snippetScalars(snippet),
    encoded_id: snippet.encodedId,
    owner: { ...renderWorkspaceReference(context, workspace, 'team'), display_name: workspace.name, username: workspace.slug },
    creator: renderAccount(context, context.state.account(snippet.creatorUuid)),
    files,
    links: {
      self: link(api),
      html: link(html),
      comments: link(`${api}/comments`),
      watchers: link(`${api}/watchers`),
      commits: link(`${api}/commits`),
      clone: [
        { name: 'https', href: `https://bitbucket.org/snippets/${snippet.workspace}/${snippet.encodedId}.git` },
        { name: 'ssh', href: `git@bitbucket.org:snippets/${snippet.workspace}/${snippet.encodedId}.git` },
      ],
    },
  };
}

export function renderSnippetComment(context: RenderContext, snippet: Snippet, comment: Comment): Json {
  const { api, html } = snippetLinks(context, snippet);
  return {
    type: 'snippet_comment',
    id: comment.id,
    created_on: comment.createdOn,
    updated_on: comment.updatedOn,
    content: renderContent(comment.content),
    user: renderAccount(context, context.state.account(comment.authorUuid)),
    deleted: false,
    ...(comment.parentId === null ? {} : { parent: { id: comment.parentId, links: { self: link(`${api}/comments/${comment.parentId}`) } } }),
    snippet: { type: 'snippet', id: snippet.id, title: snippet.title, encoded_id: snippet.encodedId, links: { self: link(api), html: link(html) } },
    links: { self: link(`${api}/comments/${comment.id}`), html: link(`${html}#comment-${comment.id}`) },
  };
}
