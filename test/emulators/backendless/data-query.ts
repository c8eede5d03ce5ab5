/**
 * Data retrieval (B.2): where → groupBy/having → sortBy → props/excludeProps/relations → distinct → offset/pageSize.
 * Relations are object-valued columns holding `{objectId, …}` (or arrays of them); they are left out of results unless
 * named in `loadRelations` (dotted paths go deeper) or reached within `relationsDepth`; arrays are cut to
 * `relationsPageSize`. A related value that names an existing row (`___class` + `objectId`) is shown as that row.
 */
import { invalidQuery } from './errors.js';
import { intParam, isPlainObject, type JsonObject } from './http.js';
import type { DataObject } from './state.js';
import { compareValues, evaluate, fieldsOf, parseWhere, type WhereNode } from './where.js';

export type PropSpec = { kind: 'all' } | { kind: 'column'; name: string; alias: string } | { kind: 'aggregate'; fn: string; arg: string; alias: string };

export interface DataQuery {
  where: WhereNode | null;
  having: WhereNode | null;
  props: PropSpec[] | null;
  excludeProps: string[];
  loadRelations: string[];
  relationsDepth: number;
  relationsPageSize: number;
  sortBy: Array<{ field: string; descending: boolean }>;
  groupBy: string[];
  distinct: boolean;
  pageSize: number;
  offset: number;
}

/** Finds the stored row a relation value refers to. */
export type Resolver = (value: JsonObject) => JsonObject;

const csv = (text: string | null): string[] =>
  (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const AGGREGATE = /^(count|sum|avg|min|max)\s*\(\s*(\*|[\w.$]+)\s*\)(?:\s+as\s+([\w$]+))?$/i;
const COLUMN = /^([\w.$]+)(?:\s+as\s+([\w$]+))?$/i;

function parseProp(text: string): PropSpec {
  if (text === '*') return { kind: 'all' };
  const aggregate = AGGREGATE.exec(text);
  if (aggregate) return { kind: 'aggregate', fn: aggregate[1]!.toLowerCase(), arg: aggregate[2]!, alias: aggregate[3] ?? aggregate[1]!.toLowerCase() };
  const column = COLUMN.exec(text);
  if (column) return { kind: 'column', name: column[1]!, alias: column[2] ?? column[1]! };
  throw invalidQuery(`cannot parse property '${text}' in props`);
}

function rangedInt(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const value = intParam(query, name, invalidQuery) ?? fallback;
  if (value < min || value > max) throw invalidQuery(`'${name}' must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Parses the query string of `GET /data/{table}` (also used for single objects); 1017 on anything malformed. */
export function parseDataQuery(query: URLSearchParams): DataQuery {
  const where = query.get('where')?.trim();
  const having = query.get('having')?.trim();
  const props = csv(query.get('props') ?? query.get('property'));
  return {
    where: where ? parseWhere(where) : null,
    having: having ? parseWhere(having) : null,
    props: props.length > 0 ? props.map(parseProp) : null,
    excludeProps: csv(query.get('excludeProps')),
    loadRelations: csv(query.get('loadRelations')),
    relationsDepth: rangedInt(query, 'relationsDepth', 0, 0, 10),
    relationsPageSize: rangedInt(query, 'relationsPageSize', 10, 1, 100),
    sortBy: csv(query.get('sortBy')).map((item) => {
      const match = /^(.+?)(?:\s+(asc|desc))?$/i.exec(item)!;
      return { field: match[1]!.trim().replaceAll('`', ''), descending: match[2]?.toLowerCase() === 'desc' };
    }),
    groupBy: csv(query.get('groupBy')),
    distinct: query.get('distinct')?.toLowerCase() === 'true',
    pageSize: rangedInt(query, 'pageSize', 10, 1, 100),
    offset: rangedInt(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

function isReference(value: unknown): value is JsonObject {
  return isPlainObject(value) && typeof value.objectId === 'string';
}

function isRelation(value: unknown): boolean {
  return isReference(value) || (Array.isArray(value) && value.length > 0 && value.every(isReference));
}

/** Values of a possibly dotted field; arrays (1:N relations) fan out. */
export function lookup(object: JsonObject, field: string, resolve: Resolver): unknown[] {
  const [head, ...path] = field.split('.');
  let values: unknown[] = [object[head!]].flat();
  for (const part of path) {
    values = values.flatMap((value) => {
      if (!isPlainObject(value)) return [];
      const next = (isReference(value) ? resolve(value) : value)[part];
      return Array.isArray(next) ? next : [next];
    });
  }
  return values;
}

const first = (object: JsonObject | undefined, field: string, resolve: Resolver): unknown =>
  object === undefined ? null : (lookup(object, field, resolve)[0] ?? null);

/** Rejects where clauses naming columns the table does not have (Backendless has a schema). */
export function checkColumns(where: WhereNode | null, rows: DataObject[]): void {
  if (!where) return;
  const columns = new Set(['objectId', '___class', 'created', 'updated', 'ownerId', ...rows.flatMap((row) => Object.keys(row))]);
  const unknown = fieldsOf(where).filter((field) => !field.includes('(') && !columns.has(field.split('.')[0]!));
  if (unknown.length > 0 && rows.length > 0) throw invalidQuery(`not existing columns: ${[...new Set(unknown)].join(', ')}`);
}

interface RelationTree {
  [name: string]: RelationTree;
}

function relationTree(paths: string[]): RelationTree {
  const tree: RelationTree = {};
  for (const path of paths) {
    let node = tree;
    for (const part of path.split('.')) {
      node[part] ??= {};
      node = node[part];
    }
  }
  return tree;
}

function renderRelations(object: JsonObject, tree: RelationTree, depth: number, query: DataQuery, resolve: Resolver): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (!isRelation(value)) {
      out[key] = value;
      continue;
    }
    const child = tree[key];
    if (!child && depth <= 0) continue;
    const renderOne = (item: JsonObject) => renderRelations(resolve(item), child ?? {}, depth - 1, query, resolve);
    out[key] = Array.isArray(value) ? (value as JsonObject[]).slice(0, query.relationsPageSize).map(renderOne) : renderOne(value as JsonObject);
  }
  return out;
}

/** One object as the API shows it: relations per the query, then props / excludeProps. */
export function renderObject(object: JsonObject, query: DataQuery, resolve: Resolver): JsonObject {
  const full = renderRelations(object, relationTree(query.loadRelations), query.relationsDepth, query, resolve);
  let out: JsonObject = full;
  if (query.props && !query.props.some((prop) => prop.kind === 'all')) {
    out = { ___class: object.___class };
    for (const prop of query.props) {
      if (prop.kind === 'column') out[prop.alias] = prop.name in full ? full[prop.name] : first(object, prop.name, resolve);
    }
  }
  for (const name of query.excludeProps) delete out[name];
  return out;
}

function aggregate(rows: JsonObject[], fn: string, arg: string, resolve: Resolver): unknown {
  const values = arg === '*' ? rows.map(() => 1) : rows.map((row) => first(row, arg, resolve)).filter((value) => value !== null && value !== undefined);
  if (fn === 'count') return values.length;
  if (values.length === 0) return null;
  if (fn === 'min' || fn === 'max') {
    return values.reduce((best, value) => {
      const order = compareValues(value, best) ?? 0;
      return (fn === 'min' ? order < 0 : order > 0) ? value : best;
    });
  }
  const sum = values.reduce<number>((total, value) => total + Number(value), 0);
  return fn === 'sum' ? sum : sum / values.length;
}

const AGGREGATE_FIELD = /^(count|sum|avg|min|max)\((.+)\)$/;

function groupRows(rows: DataObject[], query: DataQuery, table: string, resolve: Resolver): JsonObject[] {
  const groups = new Map<string, DataObject[]>();
  if (query.groupBy.length === 0) groups.set('', rows);
  for (const row of query.groupBy.length > 0 ? rows : []) {
    const key = JSON.stringify(query.groupBy.map((field) => first(row, field, resolve)));
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const result: JsonObject[] = [];
  for (const group of groups.values()) {
    const head = group[0];
    const out: JsonObject = { ___class: table };
    for (const field of query.groupBy) out[field] = first(head, field, resolve);
    for (const prop of query.props ?? []) {
      if (prop.kind === 'column') out[prop.alias] = first(head, prop.name, resolve);
      if (prop.kind === 'aggregate') out[prop.alias] = aggregate(group, prop.fn, prop.arg, resolve);
    }
    const havingLookup = (field: string): unknown[] => {
      if (field in out) return [out[field]];
      const call = AGGREGATE_FIELD.exec(field);
      return call ? [aggregate(group, call[1]!, call[2]!, resolve)] : [first(head, field, resolve)];
    };
    if (!query.having || evaluate(query.having, havingLookup)) result.push(out);
  }
  return result;
}

function sortRows(rows: JsonObject[], query: DataQuery, resolve: Resolver): JsonObject[] {
  if (query.sortBy.length === 0) return rows;
  return [...rows].sort((a, b) => {
    for (const { field, descending } of query.sortBy) {
      const left = first(a, field, resolve);
      const right = first(b, field, resolve);
      const order = left === right ? 0 : left === null ? -1 : right === null ? 1 : (compareValues(left, right) ?? String(left).localeCompare(String(right)));
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}

export function filterRows(rows: DataObject[], where: WhereNode | null, resolve: Resolver): DataObject[] {
  checkColumns(where, rows);
  return where ? rows.filter((row) => evaluate(where, (field) => lookup(row, field, resolve))) : rows;
}

/** Runs a parsed query over a table's rows and returns the page. */
export function runDataQuery(rows: DataObject[], query: DataQuery, table: string, resolve: Resolver): JsonObject[] {
  const matching = filterRows(rows, query.where, resolve);
  const grouped = query.groupBy.length > 0 || query.props?.some((prop) => prop.kind === 'aggregate');
  const sorted = grouped ? sortRows(groupRows(matching, query, table, resolve), query, resolve) : sortRows(matching, query, resolve);
  let shown = grouped ? sorted : sorted.map((row) => renderObject(row, query, resolve));
  if (grouped && query.excludeProps.length > 0) {
    shown = shown.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => !query.excludeProps.includes(key))));
  }
  if (query.distinct) {
    const seen = new Set<string>();
    shown = shown.filter((row) => {
      const key = JSON.stringify(row);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  return shown.slice(query.offset, query.offset + query.pageSize);
}
