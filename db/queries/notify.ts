import { sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';

/** The channel the API listens on to push inbox changes to open browsers (SSE). */
export const TASK_EVENTS_CHANNEL = 'task_events';

export interface TaskEvent {
  type: 'created' | 'closed' | 'assigned';
  taskId: string;
  /** Everyone whose inbox changes: assignee, previous assignee, candidate role holders by role. */
  userIds: string[];
  candidateRole: string | null;
}

/** NOTIFY is delivered at commit, so a listener never hears of a change that rolled back. */
export async function notifyTaskEvent(db: Executor, event: TaskEvent): Promise<void> {
  await db.execute(sql`select pg_notify(${TASK_EVENTS_CHANNEL}, ${JSON.stringify(event)})`);
}

/** Several events in one round trip, each its own notification (delivered at commit, like one). */
export async function notifyTaskEvents(db: Executor, events: readonly TaskEvent[]): Promise<void> {
  if (events.length === 0) return;
  const payloads = JSON.stringify(events.map((event) => JSON.stringify(event)));
  await db.execute(sql`select pg_notify(${TASK_EVENTS_CHANNEL}, payload) from jsonb_array_elements_text(${payloads}::jsonb) as payload`);
}

/**
 * The channel of record changes a dashboard counts (issue #16): the
 * statement triggers of migration 0013 (requisitions, tasks, orders,
 * invoices, holds, budgets) and the spend summary's refresh NOTIFY on it.
 */
export const DASHBOARD_EVENTS_CHANNEL = 'dashboard_events';

export interface DashboardChange {
  /** The table whose rows changed, or the summary that was refreshed. */
  table: 'requisitions' | 'tasks' | 'purchase_orders' | 'invoices' | 'invoice_holds' | 'budgets' | 'report_spend_summary';
  /** Requisitions and tasks: the requesters whose requests moved (null: too many to name, everyone's). */
  userIds?: string[] | null;
  /** Tasks: the kinds of the tasks that changed. */
  kinds?: string[];
}

/** A change the statement triggers cannot see (the spend summary's refresh), told like theirs: at commit. */
export async function notifyDashboardChange(db: Executor, change: DashboardChange): Promise<void> {
  await db.execute(sql`select pg_notify(${DASHBOARD_EVENTS_CHANNEL}, ${JSON.stringify(change)})`);
}
