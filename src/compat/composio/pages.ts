import { SwitchboardError } from '../../errors.js';

/** Composio's list envelope. Totals are exact: every list here is gathered whole before it is paged. */
export interface ComposioPage<T> {
  items: T[];
  next_cursor: string | null;
  total_items: number;
  total_pages: number;
  current_page: number;
}

const encode = (offset: number) => Buffer.from(`co:${offset}`).toString('base64url');

function decode(cursor: string | undefined): number {
  if (!cursor) return 0;
  const match = /^co:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new SwitchboardError('VALIDATION_FAILED', 'The cursor is not one this API returned; pass next_cursor unchanged.', { field: 'cursor' });
  return Number(match[1]);
}

/** Composio's `limit` arrives as a number or a string; it caps at 1000 as Composio's does. */
export function pageLimit(limit: string | number | undefined, fallback = 1000): number {
  if (limit === undefined || limit === '') return fallback;
  const value = Number(limit);
  if (!Number.isFinite(value) || value < 1) throw new SwitchboardError('VALIDATION_FAILED', 'limit must be a positive number.', { field: 'limit' });
  return Math.min(Math.floor(value), 1000);
}

export function composioPage<T>(all: T[], limit: number, cursor: string | undefined): ComposioPage<T> {
  const offset = decode(cursor);
  const items = all.slice(offset, offset + limit);
  return {
    items,
    next_cursor: offset + limit < all.length ? encode(offset + limit) : null,
    total_items: all.length,
    total_pages: Math.max(1, Math.ceil(all.length / limit)),
    current_page: Math.floor(offset / limit) + 1,
  };
}

/** A query value Composio sends comma-joined (or repeated): its parts. */
export function listParam(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
  return parts.length > 0 ? parts : undefined;
}
