/**
 * Hive (B.3): named hives hold map, list and key-value stores, each with its own key space. A missing key reads as
 * empty (`{}` for maps, `[]` for lists); an unknown hive is 6007, creating an existing one 6018. Create, delete and
 * rename return an empty 200; list adds return the new list length.
 */
import { missingField, resourceNotFound } from '../errors.js';
import { empty, intParam, isPlainObject, json, type Reply } from '../http.js';
import type { Route, RouteContext } from '../router.js';
import type { HiveStore } from '../state.js';

const HIVE_NAME = /^[A-Za-z0-9_-]{1,100}$/;

function checkName(name: string): string {
  if (!HIVE_NAME.test(name)) throw missingField(`Invalid hive name '${name}': use letters, digits, '_' and '-'.`);
  return name;
}

function hiveOf(ctx: RouteContext): HiveStore {
  const hive = ctx.state.hives.get(ctx.params.hive!);
  if (!hive) throw resourceNotFound(`hive '${ctx.params.hive}'`);
  return hive;
}

function mapOf(ctx: RouteContext, create = false): Map<string, unknown> {
  const hive = hiveOf(ctx);
  let map = hive.maps.get(ctx.params.key!);
  if (!map) {
    map = new Map();
    if (create) hive.maps.set(ctx.params.key!, map);
  }
  return map;
}

function listOf(ctx: RouteContext, create = false): unknown[] {
  const hive = hiveOf(ctx);
  let list = hive.lists.get(ctx.params.key!);
  if (!list) {
    list = [];
    if (create) hive.lists.set(ctx.params.key!, list);
  }
  return list;
}

function createHive(ctx: RouteContext): Reply {
  ctx.state.createHive(checkName(ctx.params.hive!));
  return empty();
}

function renameHive(ctx: RouteContext): Reply {
  const hive = hiveOf(ctx);
  const newName = checkName(ctx.query.get('newName') ?? '');
  ctx.state.createHive(newName);
  ctx.state.hives.set(newName, { ...hive, name: newName });
  ctx.state.hives.delete(hive.name);
  return empty();
}

function deleteHive(ctx: RouteContext): Reply {
  ctx.state.hives.delete(hiveOf(ctx).name);
  return empty();
}

/** Bulk put: returns how many fields were new. */
function mapPut(ctx: RouteContext): Reply {
  if (!isPlainObject(ctx.body) || Object.keys(ctx.body).length === 0) throw missingField('Body must be a non-empty JSON object of field/value pairs.');
  const map = mapOf(ctx, true);
  let added = 0;
  for (const [field, value] of Object.entries(ctx.body)) {
    if (!map.has(field)) added += 1;
    map.set(field, value);
  }
  return json(added);
}

function mapSetOne(ctx: RouteContext, overwriteDefault: boolean): Reply {
  if (!isPlainObject(ctx.body) || !('value' in ctx.body)) throw missingField('Body must be {"value": …}.');
  const map = mapOf(ctx, true);
  const field = ctx.params.field!;
  const overwrite = typeof ctx.body.overwrite === 'boolean' ? ctx.body.overwrite : overwriteDefault;
  const existed = map.has(field);
  if (!existed || overwrite) map.set(field, ctx.body.value);
  return json(!existed);
}

function mapGetSome(ctx: RouteContext): Reply {
  if (!Array.isArray(ctx.body) || !ctx.body.every((item) => typeof item === 'string')) throw missingField('Body must be a JSON array of field names.');
  const map = mapOf(ctx);
  return json(Object.fromEntries((ctx.body as string[]).filter((field) => map.has(field)).map((field) => [field, map.get(field)])));
}

function listAdd(ctx: RouteContext, where: 'first' | 'last'): Reply {
  if (!Array.isArray(ctx.body) || ctx.body.length === 0) throw missingField('Body must be a non-empty JSON array of values.');
  const list = listOf(ctx, true);
  if (where === 'last') list.push(...ctx.body);
  else list.unshift(...[...ctx.body].reverse());
  return json(list.length);
}

/** Redis-style inclusive range with negative indexes counting from the end. */
function listRange(list: unknown[], from: number, to: number): unknown[] {
  const start = from < 0 ? Math.max(0, list.length + from) : from;
  const end = to < 0 ? list.length + to : Math.min(to, list.length - 1);
  return start > end ? [] : list.slice(start, end + 1);
}

function listGet(ctx: RouteContext): Reply {
  const list = listOf(ctx);
  const from = intParam(ctx.query, 'from');
  const to = intParam(ctx.query, 'to');
  if (from === undefined && to === undefined) return json([...list]);
  return json(listRange(list, from ?? 0, to ?? -1));
}

function listGetIndex(ctx: RouteContext): Reply {
  const raw = ctx.params.index!;
  if (!/^-?\d+$/.test(raw)) throw missingField(`List index must be an integer, got '${raw}'.`);
  const list = listOf(ctx);
  const index = Number(raw);
  return json(list.at(index) ?? null);
}

function keyValueSet(ctx: RouteContext): Reply {
  if (!isPlainObject(ctx.body) || !('value' in ctx.body)) throw missingField('Body must be {"value": …, "condition"?: …}.');
  const store = hiveOf(ctx).keyValues;
  const key = ctx.params.key!;
  const condition = ctx.body.condition ?? 'Always';
  if (!['Always', 'IfExists', 'IfNotExists'].includes(String(condition))) throw missingField("'condition' must be Always, IfExists or IfNotExists.");
  const allowed = condition === 'Always' || (condition === 'IfExists') === store.has(key);
  if (allowed) store.set(key, ctx.body.value);
  return json(allowed);
}

export const hiveRoutes: Route[] = [
  { method: 'GET', pattern: '/hive', handler: (ctx) => json([...ctx.state.hives.keys()]) },
  { method: 'POST', pattern: '/hive/:hive', handler: createHive },
  { method: 'PUT', pattern: '/hive/:hive', handler: renameHive },
  { method: 'DELETE', pattern: '/hive/:hive', handler: deleteHive },
  { method: 'PUT', pattern: '/hive/:hive/map/:key', handler: mapPut },
  { method: 'GET', pattern: '/hive/:hive/map/:key', handler: (ctx) => json(Object.fromEntries(mapOf(ctx))) },
  { method: 'POST', pattern: '/hive/:hive/map/:key', handler: mapGetSome },
  { method: 'GET', pattern: '/hive/:hive/map/:key/values', handler: (ctx) => json([...mapOf(ctx).values()]) },
  { method: 'GET', pattern: '/hive/:hive/map/:key/keys', handler: (ctx) => json([...mapOf(ctx).keys()]) },
  { method: 'GET', pattern: '/hive/:hive/map/:key/get/:field', handler: (ctx) => json(mapOf(ctx).get(ctx.params.field!) ?? null) },
  { method: 'PUT', pattern: '/hive/:hive/map/:key/set/:field', handler: (ctx) => mapSetOne(ctx, true) },
  { method: 'PUT', pattern: '/hive/:hive/map/:key/set-with-overwrite/:field', handler: (ctx) => mapSetOne(ctx, true) },
  { method: 'PUT', pattern: '/hive/:hive/list/:key/add-first', handler: (ctx) => listAdd(ctx, 'first') },
  { method: 'PUT', pattern: '/hive/:hive/list/:key/add-last', handler: (ctx) => listAdd(ctx, 'last') },
  { method: 'GET', pattern: '/hive/:hive/list/:key', handler: listGet },
  { method: 'GET', pattern: '/hive/:hive/list/:key/:index', handler: listGetIndex },
  { method: 'PUT', pattern: '/hive/:hive/key-value/:key', handler: keyValueSet },
  { method: 'GET', pattern: '/hive/:hive/key-value/:key', handler: (ctx) => json(hiveOf(ctx).keyValues.get(ctx.params.key!) ?? null) },
];
