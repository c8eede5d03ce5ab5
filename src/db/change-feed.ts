import type { NotificationChannel } from './notifications.js';

const channel = 'switchboard_changes';

/**
 * A read-through cache of rows on the request path (API keys, sessions, toolkit definitions),
 * kept correct by the change feed: a write through any instance drops the key on every instance.
 */
export interface ChangeCache<V> {
  /** The cached value, or `load()`'s (kept unless the key changed while it loaded). */
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  /** Drops the key here only (use `ChangeFeed.changed` to tell every instance). */
  delete(key: string): void;
}

export interface ChangeCacheOptions {
  /** Safety net for a change notice that never arrives; entries older than this are loaded again. */
  ttlMs?: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries?: number;
}

/**
 * Tells every instance sharing the database that something changed: PostgreSQL NOTIFY between
 * processes (the local caches are cleared synchronously before it is sent), the process itself
 * for the embedded database. A listener that lost its connection clears every cache when it is
 * back, since notices sent meanwhile are lost.
 */
export interface ChangeFeed {
  /**
   * Call after the write committed: drops `key` of `topic` from every instance's caches (`*` as
   * key: the whole topic; as topic: every cache, e.g. after a project was deleted).
   */
  changed(topic: string, key: string): Promise<void>;
  /** A cache of `topic`, emptied of a key whenever that key changes anywhere. */
  cache<V>(topic: string, options?: ChangeCacheOptions): ChangeCache<V>;
  /** Calls `listener` with each changed key of `topic` (`*` when any may have changed); returns the unsubscribe. */
  subscribe(topic: string, listener: (key: string) => void): () => void;
  /** Starts listening for other instances' changes. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Entry<V> {
  value: V;
  loadedAt: number;
}

const defaultTtlMs = 60_000;
const defaultMaxEntries = 10_000;

function createChangeCache<V>(options: ChangeCacheOptions): ChangeCache<V> & { clear(): void } {
  const ttlMs = options.ttlMs ?? defaultTtlMs;
  const maxEntries = options.maxEntries ?? defaultMaxEntries;
  const entries = new Map<string, Entry<V>>();
  // Bumped by every drop: a load that started before a drop must not store what it read.
  let generation = 0;
  return {
    async get(key, load) {
      const entry = entries.get(key);
      if (entry && Date.now() - entry.loadedAt < ttlMs) return entry.value;
      const startedAt = generation;
      const value = await load();
      if (value !== undefined && startedAt === generation) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(key, { value, loadedAt: Date.now() });
      }
      return value;
    },
    delete(key) {
      generation++;
      entries.delete(key);
    },
    clear() {
      generation++;
      entries.clear();
    },
  };
}

export function createChangeFeed(notifications: NotificationChannel, onerror?: (error: Error) => void): ChangeFeed {
  const caches = new Map<string, Set<ChangeCache<unknown> & { clear(): void }>>();
  const listeners = new Map<string, Set<(key: string) => void>>();
  const tell = (topic: string, key: string) => {
    for (const [listened, set] of listeners) {
      if (topic !== '*' && listened !== topic) continue;
      for (const listener of set) listener(topic === '*' ? '*' : key);
    }
  };
  let stopListening: (() => Promise<void>) | undefined;

  const drop = (topic: string, key: string) => {
    if (topic === '*') return clearAll();
    for (const cache of caches.get(topic) ?? []) {
      if (key === '*') cache.clear();
      else cache.delete(key);
    }
    tell(topic, key);
  };
  const clearAll = () => {
    for (const set of caches.values()) for (const cache of set) cache.clear();
    tell('*', '*');
  };

  return {
    async changed(topic, key) {
      drop(topic, key);
      if (!notifications.shared) return;
      await notifications.notify(channel, JSON.stringify([topic, key])).catch((error: Error) => onerror?.(error));
    },
    cache<V>(topic: string, options: ChangeCacheOptions = {}) {
      const cache = createChangeCache<V>(options);
      const set = caches.get(topic) ?? new Set();
      set.add(cache as ChangeCache<unknown> & { clear(): void });
      caches.set(topic, set);
      return cache;
    },
    subscribe(topic, listener) {
      const set = listeners.get(topic) ?? new Set();
      set.add(listener);
      listeners.set(topic, set);
      return () => {
        set.delete(listener);
      };
    },
    async start() {
      if (!notifications.shared || stopListening) return;
      stopListening = await notifications.listen(
        channel,
        (payload) => {
          try {
            const [topic, key] = JSON.parse(payload) as [string, string];
            drop(topic, key);
          } catch {
            clearAll();
          }
        },
        clearAll,
      );
    },
    async stop() {
      await stopListening?.();
      stopListening = undefined;
      clearAll();
    },
  };
}
