import { fileNotFound, targetExists } from './errors.js';

export interface FileEntry {
  /** Path from the storage root, without leading or trailing slash ('' is the root). */
  path: string;
  kind: 'file' | 'directory';
  /** Empty for directories. */
  content: Buffer;
  createdOn: number;
}

/** Normalises '/a//b/' and 'a/b' to 'a/b'. */
export function normalizePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .join('/');
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

export function isInside(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/** The in-memory file storage: explicit entries for files and directories; the root always exists. */
export class FileStore {
  private readonly entries = new Map<string, FileEntry>();

  constructor(private readonly now: () => number) {}

  get(path: string): FileEntry | undefined {
    const key = normalizePath(path);
    if (key === '') return { path: '', kind: 'directory', content: Buffer.alloc(0), createdOn: 0 };
    return this.entries.get(key);
  }

  isDirectory(path: string): boolean {
    return this.get(path)?.kind === 'directory';
  }

  /** Creates the directory and its missing parents; a file in the way is 6018. Returns whether the last level was new. */
  mkdirs(path: string): boolean {
    const key = normalizePath(path);
    if (key === '') return false;
    const existing = this.entries.get(key);
    if (existing?.kind === 'file') throw targetExists(`a file exists at /${key}`);
    if (existing) return false;
    this.mkdirs(parentOf(key));
    this.entries.set(key, { path: key, kind: 'directory', content: Buffer.alloc(0), createdOn: this.now() });
    return true;
  }

  /** Writes (or overwrites) a file, creating parent directories. */
  putFile(path: string, content: string | Buffer): FileEntry {
    const key = normalizePath(path);
    if (key === '' || this.entries.get(key)?.kind === 'directory') throw targetExists(`a directory exists at /${key}`);
    this.mkdirs(parentOf(key));
    const entry: FileEntry = { path: key, kind: 'file', content: Buffer.from(content), createdOn: this.entries.get(key)?.createdOn ?? this.now() };
    this.entries.set(key, entry);
    return entry;
  }

  readFile(path: string): string | undefined {
    const entry = this.get(path);
    return entry?.kind === 'file' ? entry.content.toString('utf8') : undefined;
  }

  /** Direct children, or every descendant when `recursive`; sorted by path. */
  children(dir: string, recursive: boolean): FileEntry[] {
    const key = normalizePath(dir);
    return [...this.entries.values()]
      .filter((entry) => entry.path !== key && isInside(entry.path, key) && (recursive || parentOf(entry.path) === key))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Removes a file or a directory tree; returns the number of removed entries (0 when missing). */
  remove(path: string): number {
    const key = normalizePath(path);
    let removed = 0;
    for (const entry of [...this.entries.values()]) {
      if (key !== '' && isInside(entry.path, key)) {
        this.entries.delete(entry.path);
        removed += 1;
      }
    }
    return removed;
  }

  /** Copies `source` (file or tree) to the exact path `destination`, which must not exist. */
  copy(source: string, destination: string): void {
    const from = normalizePath(source);
    const to = normalizePath(destination);
    if (!this.get(from)) throw fileNotFound(from);
    if (this.get(to)) throw targetExists(`/${to}`);
    this.mkdirs(parentOf(to));
    const created = this.now();
    for (const entry of [this.entries.get(from)!, ...this.children(from, true)]) {
      const path = to + entry.path.slice(from.length);
      this.entries.set(path, { path, kind: entry.kind, content: Buffer.from(entry.content), createdOn: created });
    }
  }

  move(source: string, destination: string): void {
    const from = normalizePath(source);
    const to = normalizePath(destination);
    if (!this.get(from)) throw fileNotFound(from);
    if (this.get(to)) throw targetExists(`/${to}`);
    this.mkdirs(parentOf(to));
    for (const entry of [this.entries.get(from)!, ...this.children(from, true)]) {
      const path = to + entry.path.slice(from.length);
      this.entries.delete(entry.path);
      this.entries.set(path, { ...entry, path });
    }
  }

  all(): FileEntry[] {
    return [...this.entries.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}
