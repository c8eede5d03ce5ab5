function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** File-name glob: `*` any run of characters, `?` one character; case-sensitive, whole name. */
export function globToRegExp(glob: string): RegExp {
  const source = [...glob].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : escapeRegExp(char))).join('');
  return new RegExp(`^${source}$`);
}

/** SQL LIKE: `%` any run, `_` one character; case-insensitive (MySQL's default collation). */
export function likeToRegExp(pattern: string): RegExp {
  const source = [...pattern].map((char) => (char === '%' ? '.*' : char === '_' ? '.' : escapeRegExp(char))).join('');
  return new RegExp(`^${source}$`, 'is');
}
