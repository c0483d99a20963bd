import type { DatabaseHandle } from '../db/client.ts';
import { TASK_EVENTS_CHANNEL, type TaskEvent } from '../db/queries/notify.ts';
import type { Logger } from './logger.ts';

/**
 * Inbox changes for open browsers. Activities NOTIFY in the transaction that
 * changes a task (whichever process runs them); this API replica LISTENs once
 * and fans out to its SSE subscribers.
 */
export interface TaskEventBus {
  subscribe(listener: (event: TaskEvent) => void): () => void;
  close(): Promise<void>;
}

export async function createTaskEventBus(database: Pick<DatabaseHandle, 'listen'>, logger: Logger): Promise<TaskEventBus> {
  const listeners = new Set<(event: TaskEvent) => void>();
  const unlisten = await database.listen(TASK_EVENTS_CHANNEL, (payload) => {
    let event: TaskEvent;
    try {
      event = JSON.parse(payload) as TaskEvent;
    } catch {
      logger.warn('unreadable task event', { payload });
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
