/** The emulator's in-memory records. Field names are camelCase; `render.ts` turns them into API JSON. */

export type WorkspacePermission = 'owner' | 'collaborator' | 'member';
export type ForkPolicy = 'allow_forks' | 'no_public_forks' | 'no_forks';
export type Markup = 'markdown' | 'creole' | 'plaintext';
export type IssueState = 'submitted' | 'new' | 'open' | 'resolved' | 'on hold' | 'invalid' | 'duplicate' | 'wontfix' | 'closed';
export type IssueKind = 'bug' | 'enhancement' | 'proposal' | 'task';
export type IssuePriority = 'trivial' | 'minor' | 'major' | 'critical' | 'blocker';
export type PullRequestState = 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';
export type TrackerOptionKind = 'milestone' | 'version' | 'component';

export const issueStates: readonly IssueState[] = ['submitted', 'new', 'open', 'resolved', 'on hold', 'invalid', 'duplicate', 'wontfix', 'closed'];
export const issueKinds: readonly IssueKind[] = ['bug', 'enhancement', 'proposal', 'task'];
export const issuePriorities: readonly IssuePriority[] = ['trivial', 'minor', 'major', 'critical', 'blocker'];
export const pullRequestStates: readonly PullRequestState[] = ['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'];
export const forkPolicies: readonly ForkPolicy[] = ['allow_forks', 'no_public_forks', 'no_forks'];
export const markups: readonly Markup[] = ['markdown', 'creole', 'plaintext'];
export const mergeStrategies = ['merge_commit', 'squash', 'fast_forward', 'squash_fast_forward', 'rebase_fast_forward', 'rebase_merge'] as const;

export interface Account {
  uuid: string;
  accountId: string;
  /** Shown as `username` by `GET /user` and as `nickname` everywhere. */
  username: string;
  displayName: string;
  /** Atlassian account email: the Basic-auth user name for API tokens. */
  email: string;
  apiToken: string;
  createdOn: string;
}

export interface AccessToken {
  token: string;
  accountUuid: string;
  /** Legacy OAuth scopes (`repository:write`) and/or granular ones (`write:repository:bitbucket`); undefined means unrestricted. */
  scopes?: string[];
  revoked: boolean;
}

export interface Workspace {
  uuid: string;
  slug: string;
  name: string;
  isPrivate: boolean;
  forkingMode: 'allow_forks' | 'internal_only';
  createdOn: string;
  updatedOn: string;
}

export interface WorkspaceMembership {
  workspace: string;
  accountUuid: string;
  permission: WorkspacePermission;
}

export interface Project {
  uuid: string;
  workspace: string;
  key: string;
  name: string;
  description: string;
  isPrivate: boolean;
  createdOn: string;
  updatedOn: string;
}

export interface Commit {
  hash: string;
  message: string;
  authorUuid: string;
  date: string;
  parents: string[];
  /** The whole tree at this commit: repository path → file bytes. */
  files: Map<string, Buffer>;
}

export interface Content {
  raw: string;
  markup: Markup;
}

export interface TrackerOption {
  id: number;
  name: string;
}

export interface Issue {
  id: number;
  title: string;
  content: Content;
  kind: IssueKind;
  priority: IssuePriority;
  state: IssueState;
  reporterUuid: string;
  assigneeUuid: string | null;
  milestone: TrackerOption | null;
  version: TrackerOption | null;
  component: TrackerOption | null;
  votes: number;
  createdOn: string;
  updatedOn: string;
  editedOn: string | null;
  comments: Comment[];
}

export interface Comment {
  id: number;
  content: Content;
  authorUuid: string;
  parentId: number | null;
  createdOn: string;
  updatedOn: string | null;
}

export interface PullRequestEndpoint {
  /** `workspace/slug` of the repository the branch lives in (differs from the destination for forks). */
  repositoryFullName: string;
  branch: string;
  hash: string;
}

export interface PullRequest {
  id: number;
  title: string;
  description: string;
  state: PullRequestState;
  authorUuid: string;
  source: PullRequestEndpoint;
  destination: PullRequestEndpoint;
  closeSourceBranch: boolean;
  draft: boolean;
  reviewerUuids: string[];
  commentCount: number;
  taskCount: number;
  createdOn: string;
  updatedOn: string;
}

export interface Repository {
  uuid: string;
  workspace: string;
  slug: string;
  name: string;
  description: string;
  isPrivate: boolean;
  forkPolicy: ForkPolicy;
  hasIssues: boolean;
  hasWiki: boolean;
  language: string;
  projectKey: string;
  mainBranch: string;
  createdOn: string;
  updatedOn: string;
  /** Branch name → head commit hash. */
  branches: Map<string, string>;
  commits: Map<string, Commit>;
  issues: Map<number, Issue>;
  nextIssueId: number;
  pullRequests: Map<number, PullRequest>;
  nextPullRequestId: number;
  trackerOptions: Record<TrackerOptionKind, TrackerOption[]>;
}

export interface Snippet {
  id: number;
  encodedId: string;
  workspace: string;
  title: string;
  isPrivate: boolean;
  creatorUuid: string;
  createdOn: string;
  updatedOn: string;
  /** Hash of the snippet's current revision; file links point at it. */
  revision: string;
  files: Map<string, Buffer>;
  comments: Comment[];
}
