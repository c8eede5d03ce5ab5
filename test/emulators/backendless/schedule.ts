import { missingField } from './errors.js';
import { isPlainObject } from './http.js';

export const SCHEDULES = ['once', 'custom', 'daily', 'weekly', 'monthly'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export interface Frequency {
  schedule: Schedule;
  /** Seconds for `custom`, days for `daily`, weeks for `weekly`, months for `monthly`. */
  repeat?: { every: number };
  /** Weekly: day names ('MO', 'MON' or 'MONDAY', any case). */
  weekdays?: string[];
  /** Monthly: days of the month, 1–31. */
  monthDays?: number[];
  /** Monthly, with monthWeekdays: week of the month, 1–5 or FIRST…FOURTH/LAST. */
  monthWeeks?: Array<number | string>;
  monthWeekdays?: string[];
}

const DAY_MS = 86_400_000;
const WEEKDAY_NAMES = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const WEEK_NAMES = ['FIRST', 'SECOND', 'THIRD', 'FOURTH', 'LAST'];

/** 0 (Sunday) … 6; accepts 'MO', 'MON' or 'MONDAY' in any case. */
function weekdayIndex(name: unknown): number {
  const text = typeof name === 'string' ? name.trim().toUpperCase() : '';
  const index = WEEKDAY_NAMES.findIndex((day) => text.length >= 2 && day.startsWith(text) && (text.length <= 3 || text === day));
  if (index < 0) throw missingField(`Invalid weekday '${String(name)}' (use SU, MO, TU, WE, TH, FR, SA).`);
  return index;
}

/** 1–5, where 5 means the last week of the month. */
function monthWeekIndex(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5) return value;
  const named = typeof value === 'string' ? WEEK_NAMES.indexOf(value.toUpperCase()) : -1;
  if (named < 0) throw missingField(`Invalid month week '${String(value)}' (use 1-5 or FIRST, SECOND, THIRD, FOURTH, LAST).`);
  return named + 1;
}

function listOf<T>(value: unknown, field: string, check: (item: unknown) => T): T[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0) throw missingField(`Field 'frequency.${field}' must be a non-empty array.`);
  return value.map(check);
}

/** Validates a timer `frequency` object (8010 on any problem) and returns a clean copy. */
export function parseFrequency(value: unknown, minCustomSeconds: number): Frequency {
  if (!isPlainObject(value)) throw missingField("Missing required field 'frequency' (an object).");
  const schedule = value.schedule;
  if (typeof schedule !== 'string' || !SCHEDULES.includes(schedule as Schedule)) {
    throw missingField(`Field 'frequency.schedule' must be one of ${SCHEDULES.join(', ')}.`);
  }
  const frequency: Frequency = { schedule: schedule as Schedule };
  if (value.repeat !== undefined && value.repeat !== null) {
    const every = isPlainObject(value.repeat) ? value.repeat.every : undefined;
    if (typeof every !== 'number' || !Number.isInteger(every) || every < 1) throw missingField("Field 'frequency.repeat.every' must be a positive integer.");
    frequency.repeat = { every };
  }
  if (schedule === 'custom') {
    if (!frequency.repeat) throw missingField("A 'custom' schedule needs 'frequency.repeat.every' (seconds).");
    if (frequency.repeat.every < minCustomSeconds) throw missingField(`The minimum 'custom' interval is ${minCustomSeconds} seconds.`);
  }
  const checkedDay = (day: unknown): string => {
    weekdayIndex(day);
    return String(day);
  };
  const weekdays = listOf(value.weekdays, 'weekdays', checkedDay);
  const monthDays = listOf(value.monthDays, 'monthDays', (day) => {
    if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 31) throw missingField("Field 'frequency.monthDays' holds days 1-31.");
    return day;
  });
  const monthWeeks = listOf(value.monthWeeks, 'monthWeeks', (week) => {
    monthWeekIndex(week);
    return week as number | string;
  });
  const monthWeekdays = listOf(value.monthWeekdays, 'monthWeekdays', checkedDay);
  if (weekdays && schedule !== 'weekly') throw missingField("'frequency.weekdays' applies to the 'weekly' schedule only.");
  if ((monthDays || monthWeeks || monthWeekdays) && schedule !== 'monthly') {
    throw missingField("'frequency.monthDays', 'monthWeeks' and 'monthWeekdays' apply to the 'monthly' schedule only.");
  }
  if (Boolean(monthWeeks) !== Boolean(monthWeekdays)) throw missingField("'frequency.monthWeeks' and 'frequency.monthWeekdays' go together.");
  if (monthDays && monthWeeks) throw missingField("Use either 'frequency.monthDays' or 'frequency.monthWeeks' + 'monthWeekdays'.");
  if (weekdays) frequency.weekdays = weekdays;
  if (monthDays) frequency.monthDays = monthDays;
  if (monthWeeks) frequency.monthWeeks = monthWeeks;
  if (monthWeekdays) frequency.monthWeekdays = monthWeekdays;
  return frequency;
}

/** First `start + k * step` (k ≥ 0) that is at or after `now`. */
function nextStep(start: number, stepMs: number, now: number): number {
  if (start >= now) return start;
  return start + Math.ceil((now - start) / stepMs) * stepMs;
}

/** Sunday-based week number since the epoch (1970-01-01 was a Thursday). */
function weekNumber(time: number): number {
  return Math.floor((Math.floor(time / DAY_MS) + 4) / 7);
}

function nextWeekly(frequency: Frequency, start: number, now: number): number | null {
  const every = frequency.repeat?.every ?? 1;
  if (!frequency.weekdays) return nextStep(start, every * 7 * DAY_MS, now);
  const days = new Set(frequency.weekdays.map(weekdayIndex));
  const firstDay = Math.max(0, Math.floor((now - start) / DAY_MS));
  for (let day = firstDay; day <= firstDay + 7 * every + 7; day += 1) {
    const candidate = start + day * DAY_MS;
    const date = new Date(candidate);
    if (candidate >= now && days.has(date.getUTCDay()) && (weekNumber(candidate) - weekNumber(start)) % every === 0) return candidate;
  }
  return null;
}

function matchesMonthly(frequency: Frequency, date: Date, startDay: number): boolean {
  const day = date.getUTCDate();
  if (frequency.monthDays) return frequency.monthDays.includes(day);
  if (frequency.monthWeeks && frequency.monthWeekdays) {
    const daysInMonth = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
    const weeks = frequency.monthWeeks.map(monthWeekIndex);
    const week = Math.ceil(day / 7);
    const inWeek = weeks.includes(week) || (weeks.includes(5) && day + 7 > daysInMonth);
    return inWeek && frequency.monthWeekdays.map(weekdayIndex).includes(date.getUTCDay());
  }
  return day === startDay;
}

function nextMonthly(frequency: Frequency, start: number, now: number): number | null {
  const every = frequency.repeat?.every ?? 1;
  const first = new Date(start);
  const timeOfDay = start - Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate());
  for (let month = 0; month <= 12 * every * 30; month += every) {
    const year = first.getUTCFullYear();
    const monthIndex = first.getUTCMonth() + month;
    const daysInMonth = new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
    for (let day = 1; day <= daysInMonth; day += 1) {
      const candidate = Date.UTC(year, monthIndex, day) + timeOfDay;
      if (candidate >= start && candidate >= now && matchesMonthly(frequency, new Date(candidate), first.getUTCDate())) return candidate;
    }
  }
  return null;
}

/**
 * The next run at or after `now` (UTC calendar arithmetic, keeping the start's time of day), or null when there is
 * none: a `once` timer whose start has passed, or a run after `expire`.
 */
export function computeNextRun(frequency: Frequency, startDate: number, expire: number | null, now: number): number | null {
  const every = frequency.repeat?.every ?? 1;
  let next: number | null;
  switch (frequency.schedule) {
    case 'once':
      next = startDate >= now ? startDate : null;
      break;
    case 'custom':
      next = nextStep(startDate, every * 1000, now);
      break;
    case 'daily':
      next = nextStep(startDate, every * DAY_MS, now);
      break;
    case 'weekly':
      next = nextWeekly(frequency, startDate, now);
      break;
    case 'monthly':
      next = nextMonthly(frequency, startDate, now);
      break;
  }
  return next !== null && expire !== null && next > expire ? null : next;
}
