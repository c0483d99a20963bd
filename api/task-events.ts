import type { DatabaseHandle } from '../db/client.ts';
import { DASHBOARD_EVENTS_CHANNEL, TASK_EVENTS_CHANNEL, type DashboardChange, type TaskEvent } from '../db/queries/notify.ts';
import type { Logger } from './logger.ts';

/**
 * Changes for open browsers. Activities NOTIFY in the transaction that
 * changes a task, and the statement triggers of migration 0013 when a
 * record a dashboard counts changes (whichever process makes the change);
 * this API replica LISTENs once per channel and fans out to its SSE
 * subscribers.
 */
export interface EventBus<T> {
  subscribe(listener: (event: T) => void): () => void;
  close(): Promise<void>;
}
export type TaskEventBus = EventBus<TaskEvent>;
export type DashboardEventBus = EventBus<DashboardChange>;

async function createEventBus<T>(database: Pick<DatabaseHandle, 'listen'>, channel: string, logger: Logger): Promise<EventBus<T>> {
  const listeners = new Set<(event: T) => void>();
  const unlisten = await database.listen(channel, (payload) => {
    let event: T;
    try {
      event = JSON.parse(payload) as T;
    } catch {
      logger.warn('unreadable event', { channel, payload });
      return;
    }
    for (const listener of listeners) listener(event);
  });
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      listeners.clear();
      await unlisten();
    },
  };
}

export const createTaskEventBus = (database: Pick<DatabaseHandle, 'listen'>, logger: Logger): Promise<TaskEventBus> => createEventBus<TaskEvent>(database, TASK_EVENTS_CHANNEL, logger);
export const createDashboardEventBus = (database: Pick<DatabaseHandle, 'listen'>, logger: Logger): Promise<DashboardEventBus> => createEventBus<DashboardChange>(database, DASHBOARD_EVENTS_CHANNEL, logger);
