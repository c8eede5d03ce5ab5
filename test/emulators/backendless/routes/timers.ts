/**
 * Timers through the Console API (B.8). The real body schema is not public; the emulator's contract is:
 *
 * - Base `${url}/${appId}/console/servercode/{mode}/timers`, `{mode}` ∈ production (alias prod), debug, draft,
 *   marketplace (case-insensitive; anything else 8010). Every call needs header `auth-key: <consoleAuthKey>`
 *   (missing or wrong → 401 code 3064); a wrong app id → 401 code 2002. `POST ${url}/console/home/login`
 *   `{login, password}` returns the key in the `auth-key` response header (wrong credentials → 401 3003).
 * - `POST …/timers` body `{name, frequency: {schedule: once|custom|daily|weekly|monthly, repeat?: {every},
 *   weekdays?, monthDays?, monthWeeks?, monthWeekdays?}, startDate?, expire?, code?}` (dates are epoch ms, startDate
 *   defaults to now; `custom` needs repeat.every ≥ minCustomTimerIntervalSeconds) → 200 timer view. The name is the
 *   id; an existing name → 400 code 6018; invalid input → 400 code 8010.
 * - Timer view: `{id, name, frequency, nextRun, startDate, expire, code, enabled}`; nextRun is the first run at or
 *   after now (UTC, keeping startDate's time of day), null when none is left (past `once`, after `expire`, disabled).
 * - `GET …/timers` → array of views; `GET …/timers/{name}` → view; unknown name → 404 code 6007.
 * - `PUT …/timers/{name}` partial `{frequency?, startDate?, expire?, code?, enabled?}` → view (frequency is replaced
 *   whole; `expire: null` clears; `name` in the body is ignored).
 * - `DELETE …/timers/{name}` → empty 200. `POST …/timers/{name}/run` → empty 200 (recorded in `timer.runs`).
 *   `PUT …/timers/{name}/state` `{enabled}` → view.
 */
import { invalidLogin, missingField, resourceNotFound, targetExists } from '../errors.js';
import { empty, json, objectBody, type Reply } from '../http.js';
import type { Route, RouteContext } from '../router.js';
import { buildTimer, parseTimerMode, type TimerRecord, timerView, updateTimer } from '../timer-model.js';

function timersOf(ctx: RouteContext): Map<string, TimerRecord> {
  const mode = parseTimerMode(ctx.params.mode!);
  if (!mode) throw missingField(`Unknown server code mode '${ctx.params.mode}' (use production, debug, draft or marketplace).`);
  return ctx.state.timersOf(mode);
}

function timerOf(ctx: RouteContext): TimerRecord {
  const timer = timersOf(ctx).get(ctx.params.name!);
  if (!timer) throw resourceNotFound(`timer '${ctx.params.name}'`);
  return timer;
}

const minCustom = (ctx: RouteContext): number => ctx.state.options.minCustomTimerIntervalSeconds;

function create(ctx: RouteContext): Reply {
  const timers = timersOf(ctx);
  const timer = buildTimer(objectBody(ctx.body), ctx.state.now(), minCustom(ctx));
  if (timers.has(timer.name)) throw targetExists(`timer '${timer.name}'`);
  timers.set(timer.name, timer);
  return json(timerView(timer, ctx.state.now()));
}

function update(ctx: RouteContext): Reply {
  const timer = timerOf(ctx);
  updateTimer(timer, objectBody(ctx.body), ctx.state.now(), minCustom(ctx));
  return json(timerView(timer, ctx.state.now()));
}

function setState(ctx: RouteContext): Reply {
  const timer = timerOf(ctx);
  const enabled = objectBody(ctx.body).enabled;
  if (typeof enabled !== 'boolean') throw missingField('Body must be {"enabled": true|false}.');
  timer.enabled = enabled;
  return json(timerView(timer, ctx.state.now()));
}

function remove(ctx: RouteContext): Reply {
  timerOf(ctx);
  timersOf(ctx).delete(ctx.params.name!);
  return empty();
}

function run(ctx: RouteContext): Reply {
  timerOf(ctx).runs.push(ctx.state.now());
  return empty();
}

/** Routes below `/{appId}/console`. */
export const consoleRoutes: Route[] = [
  { method: 'GET', pattern: '/servercode/:mode/timers', handler: (ctx) => json([...timersOf(ctx).values()].map((timer) => timerView(timer, ctx.state.now()))) },
  { method: 'POST', pattern: '/servercode/:mode/timers', handler: create },
  { method: 'GET', pattern: '/servercode/:mode/timers/:name', handler: (ctx) => json(timerView(timerOf(ctx), ctx.state.now())) },
  { method: 'PUT', pattern: '/servercode/:mode/timers/:name', handler: update },
  { method: 'DELETE', pattern: '/servercode/:mode/timers/:name', handler: remove },
  { method: 'POST', pattern: '/servercode/:mode/timers/:name/run', handler: run },
  { method: 'PUT', pattern: '/servercode/:mode/timers/:name/state', handler: setState },
];

/** `POST /console/home/login` (no app id in the path). */
export function consoleLogin(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  if (body.login !== ctx.env.consoleLogin || body.password !== ctx.env.consolePassword) throw invalidLogin();
  return { status: 200, body: { email: ctx.env.consoleLogin, name: 'Emulated Developer' }, headers: { 'auth-key': ctx.env.consoleAuthKey } };
}
