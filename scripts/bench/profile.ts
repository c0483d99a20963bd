import type { Client } from '@temporalio/client';

interface Timestamp {
  seconds?: { toString(): string } | number | null;
  nanos?: number | null;
}

const ms = (ts: Timestamp | null | undefined) => (ts ? Number(ts.seconds?.toString() ?? 0) * 1000 + (ts.nanos ?? 0) / 1e6 : 0);

export interface EngineProfile {
  workflows: number;
  /** Per activity type: how many per workflow, mean wait in the task queue and mean run time (0 for local ones). */
  activities: Record<string, { perWorkflow: number; queueMs: number; runMs: number }>;
  /** Workflow tasks per workflow and their mean queue wait and run time. */
  workflowTasks: { perWorkflow: number; queueMs: number; runMs: number };
}

/**
 * Where a workflow's time goes, read from its Temporal history: for each
 * activity the wait between scheduled and started (queue) and between started
 * and completed (run), and the same for workflow tasks. Local activities
 * are counted; they run inside a workflow task, whose run time includes them.
 */
export async function engineProfile(client: Client, workflowIds: string[]): Promise<EngineProfile> {
  const activities = new Map<string, { count: number; queue: number; run: number }>();
  const workflowTasks = { count: 0, queue: 0, run: 0 };
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const at = new Map<number, { time: number; type?: string; started?: number }>();
    for (const event of history.events ?? []) {
      const id = Number(event.eventId?.toString());
      const time = ms(event.eventTime);
      if (event.activityTaskScheduledEventAttributes) at.set(id, { time, type: event.activityTaskScheduledEventAttributes.activityType?.name ?? '?' });
      if (event.workflowTaskScheduledEventAttributes) at.set(id, { time });
      const started = event.activityTaskStartedEventAttributes ?? event.workflowTaskStartedEventAttributes;
      if (started) {
        const scheduled = at.get(Number(started.scheduledEventId?.toString()));
        if (scheduled) scheduled.started = time;
      }
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName === 'core_local_activity') {
        // Local activities run inside a workflow task: no queue; their time is part of that task's run time.
        const data = JSON.parse(Buffer.from(marker.details?.data?.payloads?.[0]?.data ?? '{}').toString() || '{}') as { activity_type?: string };
        const type = `${data.activity_type ?? '?'} (local)`;
        const entry = activities.get(type) ?? { count: 0, queue: 0, run: 0 };
        entry.count += 1;
        activities.set(type, entry);
      }
      const completed = event.activityTaskCompletedEventAttributes ?? event.workflowTaskCompletedEventAttributes;
      if (completed) {
        const scheduled = at.get(Number(completed.scheduledEventId?.toString()));
        if (!scheduled?.started) continue;
        const entry = scheduled.type ? (activities.get(scheduled.type) ?? { count: 0, queue: 0, run: 0 }) : workflowTasks;
        entry.count += 1;
        entry.queue += scheduled.started - scheduled.time;
        entry.run += time - scheduled.started;
        if (scheduled.type) activities.set(scheduled.type, entry);
      }
    }
  }
  const n = Math.max(1, workflowIds.length);
  const summary = (entry: { count: number; queue: number; run: number }) => ({
    perWorkflow: Math.round((entry.count / n) * 10) / 10,
    queueMs: Math.round((entry.queue / Math.max(1, entry.count)) * 10) / 10,
    runMs: Math.round((entry.run / Math.max(1, entry.count)) * 10) / 10,
  });
  return {
    workflows: workflowIds.length,
    activities: Object.fromEntries([...activities].map(([type, entry]) => [type, summary(entry)])),
    workflowTasks: summary(workflowTasks),
  };
}
