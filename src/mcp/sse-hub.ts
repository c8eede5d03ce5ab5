import { randomBytes } from 'node:crypto';
import type { NotificationChannel } from '../db/index.js';
import type { SseSessionRecord, SseStore } from './sse-store.js';

/** The writing end of one open SSE stream on this instance. */
export interface SseSink {
  /** Writes one JSON-RPC message (its JSON text) as a `message` event. */
  send(json: string): void;
  /** Writes an SSE comment line (keep-alive). */
  comment(text: string): void;
  /** Ends the stream: its record is gone (the session was deleted) or the server is closing. */
  end(): void;
}

export interface SseHubOptions {
  store: SseStore;
  notifications: NotificationChannel;
  /** Keep-alive comments and the refresh of this instance's stream records. */
  heartbeatMs: number;
  /** A record not refreshed for this long belongs to a dead instance. */
  staleAfterMs: number;
  /** Looks for queued messages without waiting for a notification (shared database only): the fallback when one is lost. */
  pollMs: number;
  onerror: (error: Error) => void;
}

function isForeignKeyViolation(error: unknown): boolean {
  for (let current = error as { code?: string; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (current.code === '23503') return true;
  }
  return false;
}

/**
 * This instance's open legacy SSE streams, and delivery to any stream: written directly when
 * this instance holds it, otherwise queued in the database and signalled to the instance that
 * does (`NOTIFY switchboard_sse_<instance>`, payload the stream id), which drains the queue in
 * order. Notifications can be lost (a dropped listening connection): the holder also drains on
 * reconnect and every `pollMs`.
 */
export function createSseHub(options: SseHubOptions) {
  const { store, notifications, onerror } = options;
  const instanceId = randomBytes(8).toString('hex');
  const channelOf = (instance: string) => `switchboard_sse_${instance}`;
  const streams = new Map<string, SseSink>();
  const pending = new Set<string>();
  let timers: NodeJS.Timeout[] = [];
  let starting: Promise<void> | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let draining: Promise<void> | undefined;
  let closed = false;

  function wake(ids: Iterable<string>) {
    for (const id of ids) if (streams.has(id)) pending.add(id);
    if (pending.size > 0) drain();
  }

  /** One drain at a time, so messages reach each stream in the order they were queued. */
  function drain() {
    if (draining || closed) return;
    draining = (async () => {
      while (pending.size > 0) {
        const ids = [...pending];
        pending.clear();
        for (const message of await store.take(ids, onerror)) streams.get(message.sseSessionId)?.send(message.text);
      }
    })()
      .catch((error: unknown) => onerror(error as Error))
      .finally(() => {
        draining = undefined;
        if (pending.size > 0) drain();
      });
  }

  function tick() {
    const ids = [...streams.keys()];
    for (const sink of streams.values()) sink.comment('keep-alive');
    store
      .heartbeat(ids)
      .then((present) => {
        for (const id of ids) if (!present.has(id)) streams.get(id)?.end();
      })
      .catch((error: unknown) => onerror(error as Error));
    store.sweep(options.staleAfterMs).catch((error: unknown) => onerror(error as Error));
  }

  async function begin() {
    if (notifications.shared) {
      unlisten = await notifications.listen(
        channelOf(instanceId),
        (id) => wake([id]),
        () => wake(streams.keys()),
      );
      timers.push(setInterval(() => wake(streams.keys()), options.pollMs));
    }
    timers.push(setInterval(tick, options.heartbeatMs));
    for (const timer of timers) timer.unref();
  }

  return {
    instanceId,

    /** Listens for deliveries (once); a stream can be registered afterwards. */
    start(): Promise<void> {
      starting ??= begin().catch((error: unknown) => {
        starting = undefined;
        throw error;
      });
      return starting;
    },

    register(id: string, sink: SseSink) {
      streams.set(id, sink);
      // Messages may have been queued between the record's creation and now.
      if (notifications.shared) wake([id]);
    },

    /** Forgets a stream that ended and deletes its record (with anything still queued for it). */
    unregister(id: string) {
      if (!streams.delete(id)) return;
      pending.delete(id);
      store.remove([id]).catch((error: unknown) => onerror(error as Error));
    },

    /** Whether a message for this stream can reach it: held here, or held by a live instance on a shared database. */
    reachable(record: SseSessionRecord): boolean {
      if (record.instanceId === instanceId) return streams.has(record.id);
      return notifications.shared && record.alive;
    },

    /** Delivers one JSON-RPC message to a stream, wherever it is open; a stream that ended meanwhile drops it. */
    async deliver(record: SseSessionRecord, json: string): Promise<void> {
      const sink = streams.get(record.id);
      if (sink) return sink.send(json);
      if (record.instanceId === instanceId || !notifications.shared) return;
      try {
        await store.enqueue(record.id, json);
      } catch (error) {
        if (isForeignKeyViolation(error)) return; // the stream's record is gone: it closed
        throw error;
      }
      await notifications.notify(channelOf(record.instanceId), record.id);
    },

    /** Ends every stream of this instance and deletes their records. */
    async close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await unlisten?.().catch(() => {});
      const ids = [...streams.keys()];
      const sinks = [...streams.values()];
      streams.clear();
      for (const sink of sinks) sink.end();
      await draining;
      await store.remove(ids).catch((error: unknown) => onerror(error as Error));
    },
  };
}

export type SseHub = ReturnType<typeof createSseHub>;
