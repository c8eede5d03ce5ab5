import type { WorkspacePermission } from './model.js';
import { type AccountSeed, BitbucketState } from './state.js';

/** The account every default request authenticates as: owner of the seeded workspace. */
export const DEFAULT_ACCOUNT = {
  email: 'dev@example.com',
  apiToken: 'bb-api-token',
  username: 'dev',
  display_name: 'Dev Example',
  uuid: '{6f9e3b1a-2c4d-4e8f-9a0b-1c2d3e4f5a6b}',
  account_id: '5f1a2b3c4d5e6f7a8b9c0d1e',
} as const satisfies AccountSeed;

/** A second member of the seeded workspace, handy as a reviewer or assignee. */
export const MEMBER_ACCOUNT = {
  email: 'alice@example.com',
  apiToken: 'alice-api-token',
  username: 'alice',
  display_name: 'Alice Reviewer',
  uuid: '{1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}',
  account_id: '60a1b2c3d4e5f60718293a4b',
} as const satisfies AccountSeed;

/** An account that belongs to no workspace: it gets 403 on the seeded workspace's private resources. */
export const OUTSIDER_ACCOUNT = {
  email: 'outsider@example.com',
  apiToken: 'outsider-api-token',
  username: 'outsider',
  display_name: 'Out Sider',
  uuid: '{9c8b7a6f-5e4d-4c3b-8a19-0f1e2d3c4b5a}',
  account_id: '70b2c3d4e5f6071829304a5b',
} as const satisfies AccountSeed;

/** OAuth 2 access token of the default account (send it as `Authorization: Bearer …`). */
export const DEFAULT_ACCESS_TOKEN = 'bb-access-token';

/** Names of everything the default seed creates. */
export const SEED = {
  workspace: 'acme',
  /** The oldest project: repositories created without a project land here. */
  projectKey: 'PROJ',
  otherProjectKey: 'OPS',
  /** Private, issue tracker on, milestones M1, versions 1.0/2.0, components api/ui. */
  repository: 'widgets',
  /** Public, issue tracker off. */
  repositoryWithoutIssues: 'legacy',
  /** Private snippet with files `deploy.sh` and `notes.md`. */
  snippet: 'Xq7Lp',
} as const;

/** An account seed plus its role in the seeded workspace. */
export interface SeedAccount extends AccountSeed {
  /** Default: the first account is `owner`, the others `member`. */
  seedWorkspaceRole?: WorkspacePermission | 'none';
}

export interface SeedOptions {
  /** Replaces the default accounts (dev, alice, outsider). */
  accounts?: SeedAccount[];
  /** Bearer token → account email, or `{ email, scopes }` to restrict the token. Replaces the default token. */
  accessTokens?: Record<string, string | { email: string; scopes?: string[] }>;
  /** Slug of the seeded workspace (default `acme`). */
  workspace?: string;
}

const defaultAccounts: SeedAccount[] = [DEFAULT_ACCOUNT, MEMBER_ACCOUNT, { ...OUTSIDER_ACCOUNT, seedWorkspaceRole: 'none' }];

/** Builds the state a fresh emulator starts with. */
export function seedState(options: SeedOptions = {}): BitbucketState {
  const state = new BitbucketState();
  const accounts = options.accounts ?? defaultAccounts;
  if (accounts.length === 0) throw new Error('The emulator needs at least one account');
  for (const seed of accounts) state.addAccount(seed);

  const owner = accounts.find((seed, index) => (seed.seedWorkspaceRole ?? (index === 0 ? 'owner' : 'member')) === 'owner') ?? accounts[0]!;
  const workspace = options.workspace ?? SEED.workspace;
  state.addWorkspace(workspace, { ownerEmail: owner.email, name: 'Acme Corp' });
  accounts.forEach((seed, index) => {
    const role = seed.seedWorkspaceRole ?? (index === 0 ? 'owner' : 'member');
    if (seed !== owner && role !== 'none') state.addMember(workspace, seed.email, role);
  });

  state.addProject(workspace, SEED.projectKey, { name: 'Main Project', description: 'Where new repositories go by default' });
  state.addProject(workspace, SEED.otherProjectKey, { name: 'Operations' });

  state.addRepository(workspace, SEED.repository, {
    description: 'Widgets service',
    language: 'typescript',
    files: {
      'README.md': '# widgets\n\nThe widgets service.\n',
      'package.json': '{\n  "name": "widgets",\n  "version": "1.0.0"\n}\n',
      'src/index.ts': "export const hello = (name: string): string => 'Hello, ' + name;\n",
      'docs/guide.md': '# Guide\n\nRun `npm start`.\n',
      'assets/logo.png': Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
    },
  });
  for (const name of ['M1']) state.addTrackerOption(workspace, SEED.repository, 'milestone', name);
  for (const name of ['1.0', '2.0']) state.addTrackerOption(workspace, SEED.repository, 'version', name);
  for (const name of ['api', 'ui']) state.addTrackerOption(workspace, SEED.repository, 'component', name);

  state.addRepository(workspace, SEED.repositoryWithoutIssues, {
    description: 'Old code',
    isPrivate: false,
    hasIssues: false,
    projectKey: SEED.otherProjectKey,
  });

  state.addSnippet(workspace, {
    encodedId: SEED.snippet,
    title: 'Deploy script',
    files: { 'deploy.sh': '#!/bin/sh\nset -e\nnpm run build\n', 'notes.md': '# Notes\n\nRun from the repository root.\n' },
  });

  const tokens = options.accessTokens ?? { [DEFAULT_ACCESS_TOKEN]: owner.email };
  for (const [token, holder] of Object.entries(tokens)) {
    if (typeof holder === 'string') state.addAccessToken(token, holder);
    else state.addAccessToken(token, holder.email, holder.scopes);
  }
  return state;
}
