/**
 * User service (B.6). The identity property is `email`. Users live in the `Users` table without their password
 * (kept in `state.passwords`); login returns the user plus `"user-token"`. Changing a password is `PUT /users/{id}`
 * with `{"password": …}` and the user's own token.
 */

import { parseDataQuery, renderObject } from '../data-query.js';
import {
  disabledAccount,
  duplicateIdentity,
  emptyLogin,
  invalidLogin,
  logoutError,
  missingField,
  noPermission,
  notLoggedIn,
  objectNotFound,
  unknownIdentity,
  userExists,
  wrongEmailFormat,
} from '../errors.js';
import { empty, type JsonObject, json, objectBody, type Reply, requiredString } from '../http.js';
import type { Route, RouteContext } from '../router.js';
import { type DataObject, USERS_TABLE } from '../state.js';

const READ_ONLY = ['objectId', '___class', 'created', 'updated', 'ownerId', 'user-token', 'password', 'lastLogin'];

const writable = (body: JsonObject): JsonObject => Object.fromEntries(Object.entries(body).filter(([key]) => !READ_ONLY.includes(key)));

const view = (user: DataObject): JsonObject => ({ ...user });

function checkEmail(ctx: RouteContext, email: string, self: string | null): void {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw wrongEmailFormat(email);
  const other = ctx.state.findUserByIdentity(email);
  if (other && other.objectId !== self) throw self === null ? userExists(email) : duplicateIdentity(email);
}

/** `POST /users/register` (also `POST /data/Users`); an `objectId` converts that guest user. */
export function registerUser(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  const email = requiredString(body, 'email');
  const password = requiredString(body, 'password');
  if (typeof body.objectId !== 'string') return json(view(ctx.state.addUser({ ...writable(body), email, password })));
  const guest = ctx.state.findUser(body.objectId);
  if (!guest) throw objectNotFound(USERS_TABLE, body.objectId);
  if (guest.userStatus !== 'GUEST') throw userExists(email);
  checkEmail(ctx, email, guest.objectId);
  Object.assign(guest, writable(body), { email, userStatus: 'ENABLED', updated: ctx.state.now() });
  ctx.state.passwords.set(guest.objectId, password);
  return json(view(guest));
}

function login(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  const { login: identity, password } = body;
  if (typeof identity !== 'string' || identity.trim() === '' || typeof password !== 'string' || password === '') throw emptyLogin();
  const user = ctx.state.findUserByIdentity(identity);
  if (!user || ctx.state.passwords.get(user.objectId) !== password) throw invalidLogin();
  if (user.userStatus === 'DISABLED') throw disabledAccount();
  user.lastLogin = ctx.state.now();
  return json({ ...view(user), 'user-token': ctx.state.createSession(user.objectId) });
}

function logout(ctx: RouteContext): Reply {
  if (!ctx.userToken || !ctx.state.sessionFor(ctx.userToken)) throw logoutError();
  ctx.state.expireUserToken(ctx.userToken);
  return empty();
}

function restorePassword(ctx: RouteContext): Reply {
  const identity = ctx.params.identity!;
  const user = ctx.state.findUserByIdentity(identity);
  if (!user) throw unknownIdentity(identity);
  ctx.state.sentEmails.push({ kind: 'restorepassword', to: String(user.email), userId: user.objectId, at: ctx.state.now() });
  return empty();
}

function findUser(ctx: RouteContext): Reply {
  const user = ctx.state.findUser(ctx.params.objectId!);
  if (!user) throw objectNotFound(USERS_TABLE, ctx.params.objectId!);
  return json(renderObject(user, parseDataQuery(ctx.query), (value) => value));
}

/** `PUT /users/{objectId}` (also `PUT /data/Users/{objectId}`): only with that user's own `user-token`. */
export function updateUser(ctx: RouteContext): Reply {
  const id = ctx.params.objectId!;
  if (!ctx.session) throw notLoggedIn();
  if (ctx.session.userId !== id) throw noPermission(`update user ${id}`);
  const user = ctx.state.findUser(id)!;
  const body = objectBody(ctx.body);
  if ('password' in body && (typeof body.password !== 'string' || body.password === '')) throw missingField("Field 'password' must be a non-empty string.");
  if ('email' in body) {
    if (typeof body.email !== 'string') throw missingField("Field 'email' must be a string.");
    checkEmail(ctx, body.email, id);
  }
  Object.assign(user, writable(body), { updated: ctx.state.now() });
  if (typeof body.password === 'string') ctx.state.passwords.set(id, body.password);
  return json(view(user));
}

/** SDK `verifyPassword` (the path really is spelled "verifypassowrd"). */
function verifyPassword(ctx: RouteContext): Reply {
  if (!ctx.session) throw notLoggedIn();
  const password = requiredString(objectBody(ctx.body), 'password');
  return json({ valid: ctx.state.passwords.get(ctx.session.userId) === password });
}

export const userRoutes: Route[] = [
  { method: 'POST', pattern: '/users/register', handler: registerUser },
  { method: 'POST', pattern: '/users/login', handler: login },
  { method: 'GET', pattern: '/users/logout', userToken: 'handle', handler: logout },
  { method: 'GET', pattern: '/users/restorepassword/:identity', handler: restorePassword },
  { method: 'GET', pattern: '/users/isvalidusertoken/:token', userToken: 'handle', handler: (ctx) => json(Boolean(ctx.state.sessionFor(ctx.params.token!))) },
  { method: 'POST', pattern: '/users/verifypassowrd', handler: verifyPassword },
  { method: 'GET', pattern: '/users/:objectId', handler: findUser },
  { method: 'PUT', pattern: '/users/:objectId', handler: updateUser },
];
