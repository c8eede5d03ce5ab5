import { atlassianAccountId, bracedUuid, MonotonicClock, sha1Of, snippetEncodedId } from './ids.js';
import type {
  AccessToken,
  Account,
  Commit,
  ForkPolicy,
  Project,
  Repository,
  Snippet,
  TrackerOption,
  TrackerOptionKind,
  Workspace,
  WorkspaceMembership,
  WorkspacePermission,
} from './model.js';

/** Credentials and profile of one Atlassian account; the optional fields get generated values. */
export interface AccountSeed {
  email: string;
  apiToken: string;
  username?: string;
  display_name?: string;
  uuid?: string;
  account_id?: string;
}

export interface RepositorySeed {
  name?: string;
  description?: string;
  isPrivate?: boolean;
  forkPolicy?: ForkPolicy;
  hasIssues?: boolean;
  hasWiki?: boolean;
  language?: string;
  /** Key of an existing project; defaults to the workspace's oldest project. */
  projectKey?: string;
  mainBranch?: string;
  /** Files of the initial commit on the main branch; defaults to a README.md and docs/guide.md. */
  files?: Record<string, string | Buffer>;
  /** Email of the initial commit's author; defaults to the workspace owner. */
  authorEmail?: string;
}

export interface SnippetSeed {
  title: string;
  files: Record<string, string | Buffer>;
  isPrivate?: boolean;
  encodedId?: string;
  creatorEmail?: string;
}

export type FileChanges = Record<string, string | Buffer | null>;

export type RevisionLookup = { kind: 'found'; commit: Commit } | { kind: 'ambiguous' } | { kind: 'missing' };

const toBuffer = (content: string | Buffer): Buffer => (typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
const isUuidReference = (value: string): boolean => value.startsWith('{') && value.endsWith('}');

/**
 * Everything the emulator knows, held in memory. Route handlers read and change it, and tests use the same
 * helpers to seed data and inspect results. Helpers throw plain `Error`s for misuse by a test.
 */
export class BitbucketState {
  readonly accounts = new Map<string, Account>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly workspaces = new Map<string, Workspace>();
  readonly memberships: WorkspaceMembership[] = [];
  readonly projects: Project[] = [];
  /** Keyed by `workspace/slug`. */
  readonly repositories = new Map<string, Repository>();
  /** Keyed by `workspace/encoded_id`. */
  readonly snippets = new Map<string, Snippet>();
  private readonly clock = new MonotonicClock();
  private lastSnippetId = 0;
  private lastCommentId = 0;

  now(): string {
    return this.clock.now();
  }

  nextCommentId(): number {
    this.lastCommentId += 1;
    return this.lastCommentId;
  }

  // Accounts and tokens

  addAccount(seed: AccountSeed): Account {
    if (this.findAccountByEmail(seed.email)) throw new Error(`An account with email ${seed.email} already exists`);
    const username = seed.username ?? seed.email.split('@')[0]!.replace(/[^a-z0-9_-]/gi, '');
    const account: Account = {
      uuid: seed.uuid?.toLowerCase() ?? bracedUuid(),
      accountId: seed.account_id ?? atlassianAccountId(),
      username,
      displayName: seed.display_name ?? username,
      email: seed.email,
      apiToken: seed.apiToken,
      createdOn: this.now(),
    };
    this.accounts.set(account.uuid, account);
    return account;
  }

  findAccountByEmail(email: string): Account | undefined {
    const wanted = email.toLowerCase();
    return [...this.accounts.values()].find((account) => account.email.toLowerCase() === wanted);
  }

  /** Looks an account up the ways request bodies refer to users: `{uuid}`, `{account_id}` or `{username}`. */
  findAccount(reference: { uuid?: unknown; account_id?: unknown; username?: unknown }): Account | undefined {
    const accounts = [...this.accounts.values()];
    if (typeof reference.uuid === 'string') return this.accounts.get(reference.uuid.toLowerCase());
    if (typeof reference.account_id === 'string') return accounts.find((account) => account.accountId === reference.account_id);
    if (typeof reference.username === 'string') return accounts.find((account) => account.username === reference.username);
    return undefined;
  }

  account(uuid: string): Account {
    const account = this.accounts.get(uuid);
    if (!account) throw new Error(`No account ${uuid}`);
    return account;
  }

  addAccessToken(token: string, email: string, scopes?: string[]): AccessToken {
    const account = this.requireAccountByEmail(email);
    const accessToken: AccessToken = { token, accountUuid: account.uuid, revoked: false, ...(scopes ? { scopes } : {}) };
    this.accessTokens.set(token, accessToken);
    return accessToken;
  }

  /** Afterwards the token is answered with 401, as a revoked or expired OAuth token is. */
  revokeAccessToken(token: string): void {
    const accessToken = this.accessTokens.get(token);
    if (!accessToken) throw new Error(`Unknown access token`);
    accessToken.revoked = true;
  }

  // Workspaces, members and projects

  addWorkspace(slug: string, options: { ownerEmail: string; name?: string; isPrivate?: boolean }): Workspace {
    if (this.workspaces.has(slug)) throw new Error(`Workspace ${slug} already exists`);
    const now = this.now();
    const workspace: Workspace = {
      uuid: bracedUuid(),
      slug,
      name: options.name ?? slug,
      isPrivate: options.isPrivate ?? true,
      forkingMode: 'allow_forks',
      createdOn: now,
      updatedOn: now,
    };
    this.workspaces.set(slug, workspace);
    this.addMember(slug, options.ownerEmail, 'owner');
    return workspace;
  }

  /** By slug or by `{uuid}`. */
  findWorkspace(reference: string): Workspace | undefined {
    if (!isUuidReference(reference)) return this.workspaces.get(reference);
    return [...this.workspaces.values()].find((workspace) => workspace.uuid === reference.toLowerCase());
  }

  addMember(workspace: string, email: string, permission: WorkspacePermission = 'member'): WorkspaceMembership {
    this.requireWorkspace(workspace);
    const account = this.requireAccountByEmail(email);
    const existing = this.membership(workspace, account.uuid);
    if (existing) {
      existing.permission = permission;
      return existing;
    }
    const membership: WorkspaceMembership = { workspace, accountUuid: account.uuid, permission };
    this.memberships.push(membership);
    return membership;
  }

  membership(workspace: string, accountUuid: string): WorkspaceMembership | undefined {
    return this.memberships.find((membership) => membership.workspace === workspace && membership.accountUuid === accountUuid);
  }

  membersOf(workspace: string): WorkspaceMembership[] {
    return this.memberships.filter((membership) => membership.workspace === workspace);
  }

  addProject(workspace: string, key: string, options: { name?: string; description?: string; isPrivate?: boolean } = {}): Project {
    this.requireWorkspace(workspace);
    if (this.findProject(workspace, key)) throw new Error(`Project ${key} already exists in ${workspace}`);
    const now = this.now();
    const project: Project = {
      uuid: bracedUuid(),
      workspace,
      key,
      name: options.name ?? key,
      description: options.description ?? '',
      isPrivate: options.isPrivate ?? true,
      createdOn: now,
      updatedOn: now,
    };
    this.projects.push(project);
    return project;
  }

  /** By key or by `{uuid}`, as the `project` of a repository body may name it. */
  findProject(workspace: string, reference: string): Project | undefined {
    return this.projects.find(
      (project) => project.workspace === workspace && (isUuidReference(reference) ? project.uuid === reference.toLowerCase() : project.key === reference),
    );
  }

  oldestProject(workspace: string): Project | undefined {
    return this.projects.filter((project) => project.workspace === workspace).sort((a, b) => a.createdOn.localeCompare(b.createdOn))[0];
  }

  // Repositories, commits and branches

  addRepository(workspace: string, requestedSlug: string, seed: RepositorySeed = {}): Repository {
    const slug = requestedSlug.toLowerCase();
    const owner = this.membersOf(this.requireWorkspace(workspace).slug).find((membership) => membership.permission === 'owner');
    if (this.repositories.has(`${workspace}/${slug}`)) throw new Error(`Repository ${workspace}/${slug} already exists`);
    const project = seed.projectKey ? this.findProject(workspace, seed.projectKey) : this.oldestProject(workspace);
    if (!project) throw new Error(`Workspace ${workspace} has no project ${seed.projectKey ?? '(none at all)'}`);
    const author = seed.authorEmail ? this.requireAccountByEmail(seed.authorEmail) : owner && this.account(owner.accountUuid);
    if (!author) throw new Error(`Workspace ${workspace} has no owner to author the initial commit`);
    const now = this.now();
    const name = seed.name ?? requestedSlug;
    const repository: Repository = {
      uuid: bracedUuid(),
      workspace,
      slug,
      name,
      description: seed.description ?? '',
      isPrivate: seed.isPrivate ?? true,
      forkPolicy: seed.forkPolicy ?? 'allow_forks',
      hasIssues: seed.hasIssues ?? true,
      hasWiki: seed.hasWiki ?? true,
      language: seed.language ?? '',
      projectKey: project.key,
      mainBranch: seed.mainBranch ?? 'main',
      createdOn: now,
      updatedOn: now,
      branches: new Map(),
      commits: new Map(),
      issues: new Map(),
      nextIssueId: 1,
      pullRequests: new Map(),
      nextPullRequestId: 1,
      trackerOptions: { milestone: [], version: [], component: [] },
    };
    const files = seed.files ?? { 'README.md': `# ${name}\n\n${repository.description || 'A repository.'}\n`, 'docs/guide.md': '# Guide\n\nStart here.\n' };
    const initial = this.storeCommit(repository, [], new Map(Object.entries(files).map(([path, content]) => [path, toBuffer(content)])), {
      message: 'Initial commit',
      authorUuid: author.uuid,
    });
    repository.branches.set(repository.mainBranch, initial.hash);
    this.repositories.set(`${workspace}/${slug}`, repository);
    return repository;
  }

  /** By slug or by `{uuid}`. */
  findRepository(workspace: string, reference: string): Repository | undefined {
    if (!isUuidReference(reference)) return this.repositories.get(`${workspace}/${reference.toLowerCase()}`);
    return [...this.repositories.values()].find((repository) => repository.workspace === workspace && repository.uuid === reference.toLowerCase());
  }

  repositoriesOf(workspace: string): Repository[] {
    return [...this.repositories.values()].filter((repository) => repository.workspace === workspace);
  }

  deleteRepository(workspace: string, slug: string): void {
    const repository = this.requireRepository(workspace, slug);
    this.repositories.delete(`${repository.workspace}/${repository.slug}`);
  }

  requireRepository(workspace: string, slug: string): Repository {
    const repository = this.findRepository(workspace, slug);
    if (!repository) throw new Error(`No repository ${workspace}/${slug}`);
    return repository;
  }

  /** The commit a branch (by default the main branch) points at. */
  headCommit(workspace: string, slug: string, branch?: string): Commit {
    const repository = this.requireRepository(workspace, slug);
    const hash = repository.branches.get(branch ?? repository.mainBranch);
    if (!hash) throw new Error(`No branch ${branch} in ${workspace}/${slug}`);
    return repository.commits.get(hash)!;
  }

  /** Commits changes on top of a branch (a `null` content deletes the file) and moves the branch to the new commit. */
  commitFiles(workspace: string, slug: string, branch: string, changes: FileChanges, options: { message?: string; authorEmail?: string } = {}): Commit {
    const repository = this.requireRepository(workspace, slug);
    const parent = this.headCommit(workspace, slug, branch);
    const files = new Map(parent.files);
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) files.delete(path);
      else files.set(path, toBuffer(content));
    }
    const author = options.authorEmail ? this.requireAccountByEmail(options.authorEmail) : this.account(parent.authorUuid);
    const commit = this.storeCommit(repository, [parent.hash], files, {
      message: options.message ?? `Update ${Object.keys(changes).join(', ')}`,
      authorUuid: author.uuid,
    });
    repository.branches.set(branch, commit.hash);
    repository.updatedOn = commit.date;
    return commit;
  }

  /** Creates a branch at a revision (hash, hash prefix or branch name) and returns its head commit. */
  createBranch(workspace: string, slug: string, name: string, revision?: string): Commit {
    const repository = this.requireRepository(workspace, slug);
    if (repository.branches.has(name)) throw new Error(`Branch ${name} already exists in ${workspace}/${slug}`);
    const lookup = this.resolveRevision(repository, revision ?? repository.mainBranch);
    if (lookup.kind !== 'found') throw new Error(`Revision ${revision} is ${lookup.kind} in ${workspace}/${slug}`);
    repository.branches.set(name, lookup.commit.hash);
    return lookup.commit;
  }

  /** Resolves a full hash, an unambiguous hash prefix (4+ hex digits) or a branch name. */
  resolveRevision(repository: Repository, revision: string): RevisionLookup {
    const branchHead = repository.branches.get(revision);
    if (branchHead) return { kind: 'found', commit: repository.commits.get(branchHead)! };
    if (!/^[0-9a-f]{4,40}$/i.test(revision)) return { kind: 'missing' };
    const matches = [...repository.commits.values()].filter((commit) => commit.hash.startsWith(revision.toLowerCase()));
    if (matches.length > 1) return { kind: 'ambiguous' };
    return matches[0] ? { kind: 'found', commit: matches[0] } : { kind: 'missing' };
  }

  /** Adds a milestone, version or component to a repository's issue tracker so issues can refer to it by name. */
  addTrackerOption(workspace: string, slug: string, kind: TrackerOptionKind, name: string): TrackerOption {
    const options = this.requireRepository(workspace, slug).trackerOptions[kind];
    const option: TrackerOption = { id: Math.max(0, ...options.map((existing) => existing.id)) + 1, name };
    options.push(option);
    return option;
  }

  // Snippets

  addSnippet(workspace: string, seed: SnippetSeed): Snippet {
    const owner = this.membersOf(this.requireWorkspace(workspace).slug).find((membership) => membership.permission === 'owner');
    const creator = seed.creatorEmail ? this.requireAccountByEmail(seed.creatorEmail) : owner && this.account(owner.accountUuid);
    if (!creator) throw new Error(`Workspace ${workspace} has no owner to create the snippet`);
    const encodedId = seed.encodedId ?? snippetEncodedId();
    if (this.snippets.has(`${workspace}/${encodedId}`)) throw new Error(`Snippet ${workspace}/${encodedId} already exists`);
    const now = this.now();
    this.lastSnippetId += 1;
    const snippet: Snippet = {
      id: this.lastSnippetId,
      encodedId,
      workspace,
      title: seed.title,
      isPrivate: seed.isPrivate ?? true,
      creatorUuid: creator.uuid,
      createdOn: now,
      updatedOn: now,
      revision: sha1Of('snippet', encodedId, now),
      files: new Map(Object.entries(seed.files).map(([name, content]) => [name, toBuffer(content)])),
      comments: [],
    };
    this.snippets.set(`${workspace}/${encodedId}`, snippet);
    return snippet;
  }

  findSnippet(workspace: string, encodedId: string): Snippet | undefined {
    return this.snippets.get(`${workspace}/${encodedId}`);
  }

  // Internals

  private storeCommit(repository: Repository, parents: string[], files: Map<string, Buffer>, details: { message: string; authorUuid: string }): Commit {
    const date = this.now();
    const commit: Commit = {
      hash: sha1Of(repository.uuid, ...parents, details.message, date, [...files.keys()].join(',')),
      message: details.message,
      authorUuid: details.authorUuid,
      date,
      parents,
      files,
    };
    repository.commits.set(commit.hash, commit);
    return commit;
  }

  private requireWorkspace(slug: string): Workspace {
    const workspace = this.findWorkspace(slug);
    if (!workspace) throw new Error(`No workspace ${slug}`);
    return workspace;
  }

  private requireAccountByEmail(email: string): Account {
    const account = this.findAccountByEmail(email);
    if (!account) throw new Error(`No account with email ${email}`);
    return account;
  }
}
