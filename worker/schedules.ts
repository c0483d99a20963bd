import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Connection, type ScheduleOptions } from '@temporalio/client';

/** The nightly retention review (SPEC 4.4): one Schedule, visible in the Temporal UI under this id. */
export const RETENTION_REVIEW_SCHEDULE_ID = 'retention-review';
export const RETENTION_REVIEW_WORKFLOW_TYPE = 'retentionReviewWorkflow';
/** The note the Schedule was kept paused with before the review workflow existed: such a pause is lifted at start. */
export const RETENTION_REVIEW_PENDING_NOTE = 'review workflow pending (#14)';

const RUNNING_NOTE = 'nightly retention review (SPEC 4.4)';

export interface RetentionScheduleParams {
  taskQueue: string;
  /** IANA time zone the 02:00 is read in (COMPANY_TIME_ZONE). */
  timeZone: string;
}

/** Daily at 02:00 company time; a review still running at the next 02:00 makes that night's run skip. */
export function retentionReviewSchedule(params: RetentionScheduleParams): Omit<ScheduleOptions, 'scheduleId'> {
  return {
    spec: { calendars: [{ hour: 2, minute: 0, comment: 'daily at 02:00 company time' }], timezone: params.timeZone },
    action: { type: 'startWorkflow', workflowType: RETENTION_REVIEW_WORKFLOW_TYPE, taskQueue: params.taskQueue, workflowId: RETENTION_REVIEW_SCHEDULE_ID, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    state: { paused: false, note: RUNNING_NOTE },
  };
}

/**
 * Creates the Schedule, or brings an existing one to this definition (a
 * changed time zone or task queue takes effect at the next start). Every
 * worker replica calls it at start: the first creates it, the others update
 * it to the same thing, so there is one Schedule however many start.
 */
export async function ensureRetentionReviewSchedule(connection: Connection, namespace: string, params: RetentionScheduleParams): Promise<'created' | 'updated'> {
  const client = new Client({ connection, namespace });
  const definition = retentionReviewSchedule(params);
  try {
    await client.schedule.create({ scheduleId: RETENTION_REVIEW_SCHEDULE_ID, ...definition });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  // The definition is brought up to date; a pause stays an operator's choice (Temporal UI, CLI), except the one
  // kept while no worker had the workflow.
  await client.schedule.getHandle(RETENTION_REVIEW_SCHEDULE_ID).update((current) => ({
    spec: definition.spec,
    action: definition.action,
    policies: definition.policies,
    state: current.state.paused && current.state.note === RETENTION_REVIEW_PENDING_NOTE ? { paused: false, note: RUNNING_NOTE } : { paused: current.state.paused, note: current.state.note },
  }));
  return 'updated';
}
