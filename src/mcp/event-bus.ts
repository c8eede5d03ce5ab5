import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { NotificationChannel } from '../db/index.js';

const channel = 'switchboard_mcp_events';

/**
 * The change-event bus of 2026-era `subscriptions/listen` streams, carried by the database's
 * notifications: a tool list changed through one instance reaches the streams held by every
 * instance (PostgreSQL NOTIFY), or this process's own (embedded).
 */
export function createDatabaseEventBus(notifications: NotificationChannel, onerror?: (error: Error) => void): ServerEventBus {
  const listeners = new Set<(event: ServerEvent) => void>();
  let listening = false;
  const deliver = (payload: string) => {
    let event: ServerEvent;
    try {
      event = JSON.parse(payload) as ServerEvent;
    } catch {
      return;
    }
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        onerror?.(error as Error);
      }
    }
  };
  return {
    publish(event) {
      notifications.notify(channel, JSON.stringify(event)).catch((error: Error) => onerror?.(error));
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!listening) {
        listening = true;
        notifications.listen(channel, deliver).catch((error: Error) => {
          listening = false;
          onerror?.(error);
        });
      }
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
