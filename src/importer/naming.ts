import { createHash } from 'node:crypto';

const maxToolSlug = 64;

/** `listRepos`, `list-repos`, `List repos!` → `LIST_REPOS`. */
export function upperSnake(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** A toolkit slug (`[a-z][a-z0-9_]{1,47}`) from a title such as "Bitbucket API". */
export function toolkitSlugFrom(title: string): string {
  let slug = upperSnake(title).toLowerCase().slice(0, 48).replace(/_+$/, '');
  if (!/^[a-z]/.test(slug)) slug = `api_${slug}`.slice(0, 48).replace(/_+$/, '');
  return slug.length >= 2 ? slug : 'imported_api';
}

/** An argument name the request templates and path placeholders accept (`[A-Za-z_][A-Za-z0-9_]*`). */
export function argumentName(name: string): string {
  let safe = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+(?=.)|_+$/g, '');
  if (!/^[A-Za-z_]/.test(safe)) safe = `_${safe}`;
  // `connection` is where request templates find the connection's fields.
  if (safe === '__proto__') return 'proto';
  return safe === 'connection' ? 'connection_arg' : safe || '_';
}

function shortHash(text: string, length = 4): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length).toUpperCase();
}

/** The action part from method and path: `GET /repositories/{workspace}/refs` → `LIST_REPOSITORIES_REFS`. */
export function actionFromRoute(method: string, path: string, withParameters: boolean): string {
  const segments = path.split('/').filter(Boolean);
  const endsWithParameter = /^\{.*\}$/.test(segments.at(-1) ?? '');
  const verb =
    method === 'get'
      ? endsWithParameter || segments.length === 0
        ? 'GET'
        : 'LIST'
      : method === 'post'
        ? 'CREATE'
        : method === 'put'
          ? 'UPDATE'
          : method === 'patch'
            ? 'PATCH'
            : method.toUpperCase();
  const words = segments.filter((segment) => withParameters || !/^\{.*\}$/.test(segment)).map((segment) => segment.replace(/[{}]/g, ''));
  return upperSnake([verb, ...words].join('_')) || verb;
}

/**
 * Hands out unique tool slugs `PREFIX_ACTION` of at most 64 characters. A too-long slug is cut and
 * ends in a hash of the full name; a taken one gets `_2`, `_3`… — both deterministic for a given spec.
 */
export function createSlugAllocator(toolkitSlug: string) {
  const prefix = `${toolkitSlug.toUpperCase()}_`;
  const taken = new Set<string>();
  const shorten = (action: string, suffix = ''): string => {
    const full = `${prefix}${action}${suffix}`;
    if (full.length <= maxToolSlug) return full;
    const hash = `_${shortHash(`${prefix}${action}`)}`;
    const room = maxToolSlug - prefix.length - hash.length - suffix.length;
    return `${prefix}${action.slice(0, Math.max(room, 1)).replace(/_+$/, '')}${hash}${suffix}`;
  };
  return {
    prefix,
    allocate(action: string): string {
      const clean = upperSnake(action) || 'CALL';
      let slug = shorten(clean);
      for (let counter = 2; taken.has(slug); counter++) slug = shorten(clean, `_${counter}`);
      taken.add(slug);
      return slug;
    },
  };
}
