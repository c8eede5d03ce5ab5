import { EventEmitter } from 'node:events';
import pg from 'pg';

export type NotificationHandler = (payload: string) => void;

/**
 * Signals between the processes sharing one database: PostgreSQL `LISTEN/NOTIFY`, or an
 * in-process channel for the embedded database (one process). Delivery is at most once and a
 * payload is short (PostgreSQL's limit is 8000 bytes): data travels in tables, a notification only
 * says where to look. A listener whose connection was lost and came back is told (`onReconnect`)
 * so that it can look for what it missed.
 */
export interface NotificationChannel {
  /** True when other processes may listen and notify on the same database (PostgreSQL). */
  readonly shared: boolean;
  /** Listens on `channel` (lower-case letters, digits and `_`); resolves to a function that stops listening. */
  listen(channel: string, onNotify: NotificationHandler, onReconnect?: () => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

const channelPattern = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): string {
  if (!channelPattern.test(channel)) throw new Error(`Invalid notification channel name "${channel}".`);
  return channel;
}

interface Listener {
  onNotify: NotificationHandler;
  onReconnect: (() => void) | undefined;
}

/** The embedded database serves one process: notifications stay in it. */
export function createLocalNotifications(): NotificationChannel {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    shared: false,
    async listen(channel, onNotify) {
      const handler = (payload: string) => onNotify(payload);
      emitter.on(checkChannel(channel), handler);
      return async () => {
        emitter.off(channel, handler);
      };
    },
    async notify(channel, payload) {
      // Asynchronous like PostgreSQL's: the notifier never runs listeners inside its own call.
      setImmediate(() => emitter.emit(checkChannel(channel), payload));
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export interface PostgresNotificationOptions {
  /** Wait before reconnecting a lost listening connection. */
  retryMs?: number;
}

/**
 * `NOTIFY` goes through the pool; `LISTEN` needs a connection of its own, opened on the first
 * `listen` and reopened (with every channel listened again) when it drops.
 */
export function createPostgresNotifications(connectionString: string, pool: pg.Pool, options: PostgresNotificationOptions = {}): NotificationChannel {
  const retryMs = options.retryMs ?? 1000;
  const listeners = new Map<string, Set<Listener>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  async function connect(): Promise<pg.Client> {
    const next = new pg.Client({ connectionString, connectionTimeoutMillis: 5000, keepAlive: true });
    next.on('notification', (message) => {
      for (const listener of listeners.get(message.channel) ?? []) listener.onNotify(message.payload ?? '');
    });
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    try {
      await next.connect();
      for (const channel of listeners.keys()) await next.query(`listen "${channel}"`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    return next;
  }

  function ensure(): Promise<pg.Client> {
    if (client) return Promise.resolve(client);
    connecting ??= connect().then(
      (connected) => {
        connecting = undefined;
        if (closed) {
          void connected.end().catch(() => {});
          throw new Error('The notification channel is closed.');
        }
        client = connected;
        return connected;
      },
      (error: unknown) => {
        connecting = undefined;
        throw error;
      },
    );
    return connecting;
  }

  function lost(which: pg.Client) {
    if (client !== which) return;
    client = undefined;
    void which.end().catch(() => {});
    if (!closed) scheduleReconnect();
  }

  function scheduleReconnect() {
    if (retry || closed || listeners.size === 0) return;
    retry = setTimeout(() => {
      retry = undefined;
      ensure().then(
        () => {
          for (const set of listeners.values()) for (const listener of set) listener.onReconnect?.();
        },
        () => scheduleReconnect(),
      );
    }, retryMs);
    retry.unref();
  }

  return {
    shared: true,
    async listen(channel, onNotify, onReconnect) {
      checkChannel(channel);
      const listener: Listener = { onNotify, onReconnect };
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      // Listening again is harmless, and covers a connection opened while this channel was added.
      await (await ensure()).query(`listen "${channel}"`);
      return async () => {
        set.delete(listener);
        if (set.size > 0 || listeners.get(channel) !== set) return;
        listeners.delete(channel);
        await client?.query(`unlisten "${channel}"`).catch(() => {});
      };
    },
    async notify(channel, payload) {
      await pool.query('select pg_notify($1, $2)', [checkChannel(channel), payload]);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      listeners.clear();
      const open = client ?? (await connecting?.catch(() => undefined));
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}
