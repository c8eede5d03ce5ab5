import { compileQuery, readPath } from './bbql.js';
import { badRequest } from './errors.js';

/** The `paginated_*` envelope (A.2). */
export interface Page<T> {
  size: number;
  page: number;
  pagelen: number;
  next?: string;
  previous?: string;
  values: T[];
}

/**
 * Cuts one page out of `items` according to `page` and `pagelen` (default 10; larger values are capped at
 * `maxPagelen`, as Bitbucket caps them). `next` and `previous` are full URLs to this emulator.
 */
export function paginate<T>(items: T[], url: URL, options: { maxPagelen?: number; defaultPagelen?: number } = {}): Page<T> {
  const page = positiveInteger(url.searchParams.get('page'), 1, 'page');
  const pagelen = Math.min(positiveInteger(url.searchParams.get('pagelen'), options.defaultPagelen ?? 10, 'pagelen'), options.maxPagelen ?? 100);
  const start = (page - 1) * pagelen;
  const result: Page<T> = { size: items.length, page, pagelen, values: items.slice(start, start + pagelen) };
  if (start + pagelen < items.length) result.next = withPage(url, page + 1);
  if (page > 1) result.previous = withPage(url, page - 1);
  return result;
}

/** Orders rendered objects by `sort=field` or `sort=-field` (a dotted path); nulls go last. */
export function sortBy<T>(items: T[], sort: string | null): T[] {
  if (!sort) return items;
  const descending = sort.startsWith('-');
  const field = descending ? sort.slice(1) : sort;
  if (!/^[A-Za-z_][\w.]*$/.test(field)) throw badRequest(`Invalid sort field: ${sort}`);
  return [...items].sort((a, b) => {
    const left = readPath(a, field);
    const right = readPath(b, field);
    if (left === right) return 0;
    if (left === null) return 1;
    if (right === null) return -1;
    const ascending = (left as string | number) < (right as string | number) ? -1 : 1;
    return descending ? -ascending : ascending;
  });
}

function positiveInteger(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw badRequest(`Invalid ${name}: ${raw}`);
  return Number(raw);
}

function withPage(url: URL, page: number): string {
  const next = new URL(url);
  next.searchParams.set('page', String(page));
  return next.toString();
}

/** The usual list pipeline over rendered objects: `q` filter, then `sort`, then one page. */
export function listPage<T>(items: T[], url: URL, options: { maxPagelen?: number; defaultSort?: string } = {}): Page<T> {
  const q = url.searchParams.get('q');
  const filtered = q ? items.filter(compileQuery(q)) : items;
  return paginate(sortBy(filtered, url.searchParams.get('sort') ?? options.defaultSort ?? null), url, options);
}
