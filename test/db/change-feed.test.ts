import { describe, expect, it } from 'vitest';
import { createChangeFeed } from '../../src/db/change-feed.js';
import { createLocalNotifications } from '../../src/db/notifications.js';

describe('change feed caches', () => {
  it('serves a cached value until the key changes, then loads again', async () => {
    const feed = createChangeFeed(createLocalNotifications());
    const cache = feed.cache<number>('rows');
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    await feed.changed('rows', 'a');
    expect(await cache.get('a', load)).toBe(2);
    await feed.changed('other', 'a');
    expect(await cache.get('a', load)).toBe(2);
  });

  it('does not keep what a load read before a change that landed while it ran', async () => {
    const feed = createChangeFeed(createLocalNotifications());
    const cache = feed.cache<string>('rows');
    let release: (value: string) => void = () => {};
    const slow = cache.get('a', () => new Promise((resolve) => (release = resolve)));
    await feed.changed('rows', 'a');
    release('stale');
    expect(await slow).toBe('stale');
    expect(await cache.get('a', async () => 'fresh')).toBe('fresh');
  });

  it('clears a whole topic with key *, every cache with topic *, and tells subscribers', async () => {
    const feed = createChangeFeed(createLocalNotifications());
    const rows = feed.cache<string>('rows');
    const keys = feed.cache<string>('keys');
    const heard: string[] = [];
    feed.subscribe('rows', (key) => heard.push(key));
    await rows.get('a', async () => 'a1');
    await keys.get('k', async () => 'k1');
    await feed.changed('rows', '*');
    expect(await rows.get('a', async () => 'a2')).toBe('a2');
    expect(await keys.get('k', async () => 'k2')).toBe('k1');
    await feed.changed('*', '*');
    expect(await keys.get('k', async () => 'k3')).toBe('k3');
    expect(heard).toEqual(['*', '*']);
  });

  it('does not cache a miss', async () => {
    const feed = createChangeFeed(createLocalNotifications());
    const cache = feed.cache<string>('rows');
    expect(await cache.get('a', async () => undefined)).toBeUndefined();
    expect(await cache.get('a', async () => 'now there')).toBe('now there');
  });
});
