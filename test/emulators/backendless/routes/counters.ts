/**
 * Atomic counters (B.4). Unknown counters exist lazily with value 0. Reset returns an empty 200, compare-and-set a
 * boolean, the increment family the old (`get/…`) or new (`…/get`) value. There is no unconditional set.
 */
import { missingField } from '../errors.js';
import { empty, intParam, json, type Reply } from '../http.js';
import { globToRegExp } from '../patterns.js';
import type { Route, RouteContext } from '../router.js';

function requiredInt(ctx: RouteContext, name: string): number {
  const value = intParam(ctx.query, name);
  if (value === undefined) throw missingField(`Missing required integer parameter '${name}'.`);
  return value;
}

/** Adds `delta` and returns the value before (`returnOld`) or after. */
function add(ctx: RouteContext, delta: number, returnOld: boolean): Reply {
  const name = ctx.params.name!;
  const before = ctx.state.counter(name);
  ctx.state.setCounter(name, before + delta);
  return json(returnOld ? before : before + delta);
}

function compareAndSet(ctx: RouteContext): Reply {
  const name = ctx.params.name!;
  const expected = requiredInt(ctx, 'expected');
  const updated = requiredInt(ctx, 'updatedvalue');
  if (ctx.state.counter(name) !== expected) return json(false);
  ctx.state.setCounter(name, updated);
  return json(true);
}

function list(ctx: RouteContext): Reply {
  const pattern = globToRegExp(ctx.params.pattern!);
  return json([...ctx.state.counters.keys()].filter((name) => pattern.test(name)));
}

export const counterRoutes: Route[] = [
  { method: 'GET', pattern: '/counters/:pattern/list', handler: list },
  { method: 'GET', pattern: '/counters/:name', handler: (ctx) => json(ctx.state.counter(ctx.params.name!)) },
  {
    method: 'PUT',
    pattern: '/counters/:name/reset',
    handler: (ctx) => {
      ctx.state.setCounter(ctx.params.name!, 0);
      return empty();
    },
  },
  { method: 'PUT', pattern: '/counters/:name/get/compareandset', handler: compareAndSet },
  { method: 'PUT', pattern: '/counters/:name/increment/get', handler: (ctx) => add(ctx, 1, false) },
  { method: 'PUT', pattern: '/counters/:name/get/increment', handler: (ctx) => add(ctx, 1, true) },
  { method: 'PUT', pattern: '/counters/:name/decrement/get', handler: (ctx) => add(ctx, -1, false) },
  { method: 'PUT', pattern: '/counters/:name/get/decrement', handler: (ctx) => add(ctx, -1, true) },
  { method: 'PUT', pattern: '/counters/:name/incrementby/get', handler: (ctx) => add(ctx, requiredInt(ctx, 'value'), false) },
  { method: 'PUT', pattern: '/counters/:name/get/incrementby', handler: (ctx) => add(ctx, requiredInt(ctx, 'value'), true) },
];
