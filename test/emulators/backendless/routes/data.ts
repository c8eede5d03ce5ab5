/**
 * Data service (B.2, B.7). Tables exist once seeded (`state.insert` / `state.createTable`) or saved to; `Users` always
 * exists and is routed to the user logic for create/update. Permission calls record ACL entries in
 * `state.permissions` (they are not enforced) and return an empty 200.
 */

import { filterRows, parseDataQuery, type Resolver, renderObject, runDataQuery } from '../data-query.js';
import { missingField, objectNotFound, resourceNotFound, tableNotFound, targetExists } from '../errors.js';
import { empty, type JsonObject, json, objectBody, type Reply, requiredString } from '../http.js';
import type { Route, RouteContext } from '../router.js';
import { type DataObject, type GrantType, USERS_TABLE } from '../state.js';
import { registerUser, updateUser } from './users.js';

export const OBJECT_PERMISSIONS = ['UPDATE', 'FIND', 'REMOVE', 'DESCRIBE', 'PERMISSION', 'LOAD_RELATIONS', 'ADD_RELATION', 'DELETE_RELATION', 'UPSERT', '*'];
export const TABLE_PERMISSIONS = ['ADD', ...OBJECT_PERMISSIONS];
const SYSTEM_COLUMNS = ['objectId', '___class', 'created', 'updated', 'ownerId'];

function rowsOf(ctx: RouteContext): DataObject[] {
  const rows = ctx.state.tables.get(ctx.params.table!);
  if (!rows) throw tableNotFound(ctx.params.table!);
  return rows;
}

function objectOf(ctx: RouteContext): DataObject {
  const object = rowsOf(ctx).find((row) => row.objectId === ctx.params.objectId);
  if (!object) throw objectNotFound(ctx.params.table!, ctx.params.objectId!);
  return object;
}

export function resolver(ctx: RouteContext): Resolver {
  return (value) => (typeof value.___class === 'string' && ctx.state.findObject(value.___class, String(value.objectId))) || value;
}

function find(ctx: RouteContext): Reply {
  const rows = rowsOf(ctx);
  return json(runDataQuery(rows, parseDataQuery(ctx.query), ctx.params.table!, resolver(ctx)));
}

/** "Type 2" retrieval: the query in a JSON body (arrays joined with commas; `properties` → props, `relations` → loadRelations). */
function findByBody(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  const renamed: Record<string, string> = { properties: 'props', relations: 'loadRelations' };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (value !== null && value !== undefined) query.set(renamed[key] ?? key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return find({ ...ctx, query });
}

function count(ctx: RouteContext): Reply {
  const where = parseDataQuery(ctx.query).where;
  return json(filterRows(rowsOf(ctx), where, resolver(ctx)).length);
}

function firstOrLast(ctx: RouteContext, which: 'first' | 'last'): Reply {
  const rows = [...rowsOf(ctx)].sort((a, b) => a.created - b.created);
  const row = which === 'first' ? rows[0] : rows.at(-1);
  return json(row ? renderObject(row, parseDataQuery(ctx.query), resolver(ctx)) : null);
}

function findById(ctx: RouteContext): Reply {
  return json(renderObject(objectOf(ctx), parseDataQuery(ctx.query), resolver(ctx)));
}

function create(ctx: RouteContext): Reply {
  if (ctx.params.table === USERS_TABLE) return registerUser(ctx);
  const body = objectBody(ctx.body);
  const table = ctx.params.table!;
  if (typeof body.objectId === 'string' && ctx.state.findObject(table, body.objectId)) throw targetExists(`object ${body.objectId} in ${table}`);
  const props = Object.fromEntries(Object.entries(body).filter(([key]) => !SYSTEM_COLUMNS.includes(key) || key === 'objectId'));
  return json(ctx.state.insert(table, { ...props, ownerId: ctx.session?.userId ?? null }));
}

function update(ctx: RouteContext): Reply {
  if (ctx.params.table === USERS_TABLE) return updateUser(ctx);
  const object = objectOf(ctx);
  const body = objectBody(ctx.body);
  for (const [key, value] of Object.entries(body)) if (!SYSTEM_COLUMNS.includes(key)) object[key] = value;
  object.updated = ctx.state.now();
  return json(object);
}

function remove(ctx: RouteContext): Reply {
  objectOf(ctx);
  ctx.state.removeObject(ctx.params.table!, ctx.params.objectId!);
  return json({ deletionTime: ctx.state.now() });
}

function principal(ctx: RouteContext, body: JsonObject): { user: string } | { role: string } {
  const user = typeof body.user === 'string' && body.user !== '' ? body.user : undefined;
  const role = typeof body.role === 'string' && body.role !== '' ? body.role : undefined;
  if ((user === undefined) === (role === undefined)) throw missingField("Give exactly one of 'user' (objectId or *) or 'role' (name or *).");
  if (user !== undefined) {
    if (user !== '*' && !ctx.state.findUser(user)) throw resourceNotFound(`user ${user}`);
    return { user };
  }
  if (role !== '*' && !ctx.state.roles.has(role!)) throw resourceNotFound(`role ${role}`);
  return { role: role! };
}

function setPermission(ctx: RouteContext, level: 'object' | 'table'): Reply {
  const type = ctx.params.type!.toUpperCase();
  if (type !== 'GRANT' && type !== 'DENY') throw missingField(`Permission type must be GRANT or DENY, got '${ctx.params.type}'.`);
  const table = ctx.params.table!;
  if (!ctx.state.tables.has(table)) throw resourceNotFound(`table ${table}`);
  const objectId = level === 'object' ? ctx.params.objectId! : null;
  if (objectId !== null && !ctx.state.findObject(table, objectId)) throw resourceNotFound(`object ${objectId} in ${table}`);
  const body = objectBody(ctx.body);
  const permission = requiredString(body, 'permission').toUpperCase();
  const allowed = level === 'object' ? OBJECT_PERMISSIONS : TABLE_PERMISSIONS;
  if (!allowed.includes(permission)) throw missingField(`Field 'permission' must be one of ${allowed.join(', ')}.`);
  ctx.state.setPermission({ table, objectId, type: type as GrantType, permission, ...principal(ctx, body) });
  return empty();
}

export const dataRoutes: Route[] = [
  { method: 'GET', pattern: '/data/:table/count', handler: count },
  { method: 'GET', pattern: '/data/:table/first', handler: (ctx) => firstOrLast(ctx, 'first') },
  { method: 'GET', pattern: '/data/:table/last', handler: (ctx) => firstOrLast(ctx, 'last') },
  { method: 'GET', pattern: '/data/:table/:objectId', handler: findById },
  { method: 'GET', pattern: '/data/:table', handler: find },
  { method: 'POST', pattern: '/data/:table/find', handler: findByBody },
  { method: 'POST', pattern: '/data/:table', handler: create },
  { method: 'PUT', pattern: '/data/:table/permissions/:type/:objectId', handler: (ctx) => setPermission(ctx, 'object') },
  { method: 'PUT', pattern: '/data/:table/permissions/:type', handler: (ctx) => setPermission(ctx, 'table') },
  { method: 'PUT', pattern: '/data/:table/:objectId', handler: update },
  { method: 'DELETE', pattern: '/data/:table/:objectId', handler: remove },
];
