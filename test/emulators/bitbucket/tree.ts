import type { Commit } from './model.js';

/** A file or directory of a commit's tree, listed by `src`. */
export interface TreeEntry {
  kind: 'file' | 'directory';
  path: string;
}

export function isDirectory(commit: Commit, path: string): boolean {
  if (path === '') return true;
  return [...commit.files.keys()].some((file) => file.startsWith(`${path}/`));
}

/** Direct children of `directory` ('' is the root), in git tree order: by name, directories compared with a trailing slash. */
export function childrenOf(commit: Commit, directory: string): TreeEntry[] {
  const prefix = directory === '' ? '' : `${directory}/`;
  const entries = new Map<string, TreeEntry>();
  for (const file of commit.files.keys()) {
    if (!file.startsWith(prefix)) continue;
    const [name, ...rest] = file.slice(prefix.length).split('/');
    const path = `${prefix}${name}`;
    entries.set(path, { kind: rest.length > 0 ? 'directory' : 'file', path });
  }
  const sortKey = (entry: TreeEntry) => (entry.kind === 'directory' ? `${entry.path}/` : entry.path);
  return [...entries.values()].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
}

/** Breadth-first listing down to `maxDepth` levels of directories (1 = direct children only), as `max_depth` does. */
export function listTree(commit: Commit, directory: string, maxDepth: number): TreeEntry[] {
  const result: TreeEntry[] = [];
  let level = [directory];
  for (let depth = 1; depth <= maxDepth && level.length > 0; depth += 1) {
    const next: string[] = [];
    for (const dir of level) {
      for (const entry of childrenOf(commit, dir)) {
        result.push(entry);
        if (entry.kind === 'directory') next.push(entry.path);
      }
    }
    level = next;
  }
  return result;
}
