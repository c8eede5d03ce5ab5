import { missingField } from './errors.js';
import { type JsonObject, optionalNumber } from './http.js';
import { computeNextRun, type Frequency, parseFrequency } from './schedule.js';

/** Console modes; the path segment is lower case and `prod` is accepted for `production` (the SDK fixture uses it). */
export const TIMER_MODES = ['production', 'debug', 'draft', 'marketplace'] as const;
export type TimerMode = (typeof TIMER_MODES)[number];

export function parseTimerMode(segment: string): TimerMode | undefined {
  const mode = segment.toLowerCase() === 'prod' ? 'production' : segment.toLowerCase();
  return TIMER_MODES.find((known) => known === mode);
}

export interface TimerRecord {
  name: string;
  frequency: Frequency;
  startDate: number;
  expire: number | null;
  code: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number | null;
  /** Times of `POST …/timers/{name}/run`. */
  runs: number[];
}

export interface TimerView {
  id: string;
  name: string;
  frequency: Frequency;
  nextRun: number | null;
  startDate: number;
  expire: number | null;
  code: string | null;
  enabled: boolean;
}

const TIMER_NAME = /^[A-Za-z0-9_-]{1,100}$/;

function optionalCode(body: JsonObject): string | null | undefined {
  const code = body.code;
  if (code === undefined) return undefined;
  if (code !== null && typeof code !== 'string') throw missingField("Field 'code' must be a string.");
  return code;
}

function checkDates(startDate: number, expire: number | null): void {
  if (startDate < 0) throw missingField("Field 'startDate' must be epoch milliseconds.");
  if (expire !== null && expire <= startDate) throw missingField("Field 'expire' must be after 'startDate'.");
}

/** A new timer from a create body (8010 on invalid input); `startDate` defaults to now. */
export function buildTimer(body: JsonObject, now: number, minCustomSeconds: number): TimerRecord {
  const name = body.name;
  if (typeof name !== 'string' || !TIMER_NAME.test(name)) throw missingField("Field 'name' is required: 1-100 letters, digits, '_' or '-'.");
  const frequency = parseFrequency(body.frequency, minCustomSeconds);
  const startDate = optionalNumber(body, 'startDate') ?? now;
  const expire = optionalNumber(body, 'expire') ?? null;
  checkDates(startDate, expire);
  return { name, frequency, startDate, expire, code: optionalCode(body) ?? null, enabled: true, createdAt: now, updatedAt: null, runs: [] };
}

/** Applies a partial update (`frequency` replaces the whole object; `expire: null` clears it; `name` is ignored). */
export function updateTimer(timer: TimerRecord, body: JsonObject, now: number, minCustomSeconds: number): void {
  const known = ['frequency', 'startDate', 'expire', 'code', 'enabled'].filter((field) => field in body);
  if (known.length === 0) throw missingField('Nothing to update: send frequency, startDate, expire, code or enabled.');
  const frequency = 'frequency' in body ? parseFrequency(body.frequency, minCustomSeconds) : timer.frequency;
  const startDate = optionalNumber(body, 'startDate') ?? timer.startDate;
  const expire = 'expire' in body ? (optionalNumber(body, 'expire') ?? null) : timer.expire;
  if ('enabled' in body && typeof body.enabled !== 'boolean') throw missingField("Field 'enabled' must be a boolean.");
  checkDates(startDate, expire);
  const code = optionalCode(body);
  Object.assign(timer, { frequency, startDate, expire, updatedAt: now });
  if (code !== undefined) timer.code = code;
  if (typeof body.enabled === 'boolean') timer.enabled = body.enabled;
}

export function timerView(timer: TimerRecord, now: number): TimerView {
  return {
    id: timer.name,
    name: timer.name,
    frequency: timer.frequency,
    nextRun: timer.enabled ? computeNextRun(timer.frequency, timer.startDate, timer.expire, now) : null,
    startDate: timer.startDate,
    expire: timer.expire,
    code: timer.code,
    enabled: timer.enabled,
  };
}
