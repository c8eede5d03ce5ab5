import type { Route } from '../routing.js';
import { issueRoutes } from './issues.js';
import { pullRequestRoutes } from './pull-requests.js';
import { repositoryRoutes } from './repositories.js';
import { snippetRoutes } from './snippets.js';
import { sourceRoutes } from './source.js';
import { workspaceRoutes } from './workspaces.js';

/** Every operation the emulator serves; each is a method and path of the official OpenAPI description. */
export const bitbucketRoutes: readonly Route[] = [
  ...workspaceRoutes,
  ...repositoryRoutes,
  ...sourceRoutes,
  ...issueRoutes,
  ...pullRequestRoutes,
  ...snippetRoutes,
];
