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

/** Creates the Schedule, or brings an existing one to this definition (see ensureSchedule). */
export async function ensureRetentionReviewSchedule(connection: Connection, namespace: string, params: RetentionScheduleParams): Promise<'created' | 'updated'> {
  // A pause kept while no worker had the workflow is lifted.
  return ensureSchedule(connection, namespace, RETENTION_REVIEW_SCHEDULE_ID, retentionReviewSchedule(params), (state) => state.paused && state.note === RETENTION_REVIEW_PENDING_NOTE);
}

/** The refresh of the materialised report summaries (issue #16): one Schedule, visible in the Temporal UI under this id. */
export const REPORT_SUMMARIES_SCHEDULE_ID = 'report-summaries';
export const REPORT_SUMMARIES_WORKFLOW_TYPE = 'reportSummariesWorkflow';

export interface ReportSummariesScheduleParams {
  taskQueue: string;
  /** REPORT_SUMMARY_REFRESH_SECONDS. */
  everySeconds: number;
  /** Default `report-summaries`; a second deployment sharing a namespace (or a test on a shared server) names its own. */
  scheduleId?: string;
}

/**
 * Every `everySeconds`; a refresh still running when the next is due makes
 * that one skip, and refreshes missed while the cluster was down are not
 * made up (one on return is enough: each computes everything).
 */
export function reportSummariesSchedule(params: ReportSummariesScheduleParams): Omit<ScheduleOptions, 'scheduleId'> {
  return {
    spec: { intervals: [{ every: `${params.everySeconds}s` }] },
    // A run whose task queue lost its workers (a moved queue) ends after ten minutes instead of making every later one skip.
    action: { type: 'startWorkflow', workflowType: REPORT_SUMMARIES_WORKFLOW_TYPE, taskQueue: params.taskQueue, workflowId: params.scheduleId ?? REPORT_SUMMARIES_SCHEDULE_ID, args: [], workflowExecutionTimeout: '10 minutes' },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    state: { paused: false, note: 'refreshes the finance dashboard’s spend summary (issue #16)' },
  };
}

export async function ensureReportSummariesSchedule(connection: Connection, namespace: string, params: ReportSummariesScheduleParams): Promise<'created' | 'updated'> {
  return ensureSchedule(connection, namespace, params.scheduleId ?? REPORT_SUMMARIES_SCHEDULE_ID, reportSummariesSchedule(params), () => false);
}

/**
 * Creates a Schedule, or brings an existing one to this definition (a
 * changed interval or task queue takes effect at the next start). Every
 * worker replica calls it at start: the first creates it, the others update
 * it to the same thing, so there is one Schedule however many start. A
 * pause stays an operator's choice (Temporal UI, CLI) unless `liftPause`
 * says it was the code's own.
 */
async function ensureSchedule(
  connection: Connection,
  namespace: string,
  scheduleId: string,
  definition: Omit<ScheduleOptions, 'scheduleId'>,
  liftPause: (state: { paused: boolean; note?: string | undefined }) => boolean,
): Promise<'created' | 'updated'> {
  const client = new Client({ connection, namespace });
  try {
    await client.schedule.create({ scheduleId, ...definition });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(scheduleId).update((current) => ({
    spec: definition.spec,
    action: definition.action,
    policies: definition.policies,
    state: liftPause(current.state) ? { paused: false, note: definition.state?.note } : { paused: current.state.paused, note: current.state.note },
  }));
  return 'updated';
}
