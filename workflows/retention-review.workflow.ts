import { allHandlersFinished, condition, continueAsNew, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
// Zod-free modules only: the bundle is evaluated for every run.
import { parseSla } from '@p2p/domain/approval-rules';
import type { Activities } from '../activities/index.ts';
import type { RetentionReviewFacts } from '../activities/retention.ts';
import { humanTasks } from './human-task.ts';

/**
 * A retention review (SPEC 4.4), started nightly by the `retention-review`
 * Schedule or by a records manager: takes up the records past their date in
 * batches of at most 100 (held records, records of a running process,
 * extended and already reviewed ones are never taken), gives each batch to
 * the records managers as one task (dispose, extend or hold each record, or
 * all at once; reminded and escalated like any task), asks a second person
 * where a class has a second stage (the audit log: an admin confirms), and
 * disposes what was decided. A run handles a few batches and continues as a
 * new run with the same review, so a review of any size keeps a short
 * history.
 */

export interface RetentionReviewInput {
  /** Set by the API for a review it started (and by continue-as-new); a scheduled run mints one. */
  reviewId?: string;
  trigger?: 'schedule' | 'manual';
  startedById?: string | null;
  /** The next batch to take (continue-as-new carries it). */
  batch?: number;
  /** Batches per run before continuing as new (default 5). */
  batchesPerRun?: number;
  /** Records per batch, at most 100 (default 100). */
  batchSize?: number;
}

export interface RetentionReviewResult {
  reviewId: string;
  batches: number;
}

export const MAX_BATCH_SIZE = 100;
/**
 * Disposing of a batch is a regular activity, not a local one: the records
 * manager's decision is answered as soon as it is recorded, not after a
 * hundred disposals, and a worker that dies mid-batch is noticed by the
 * missing heartbeat and the batch goes on elsewhere (each record once).
 */
const disposal = proxyActivities<Pick<Activities, 'disposeRetentionItems'>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const DEFAULT_BATCHES_PER_RUN = 5;

export async function retentionReviewWorkflow(input: RetentionReviewInput = {}): Promise<RetentionReviewResult> {
  const reviewId = input.reviewId ?? uuid4();
  const trigger = input.trigger ?? 'schedule';
  const startedById = input.startedById ?? null;
  const size = Math.min(MAX_BATCH_SIZE, Math.max(1, input.batchSize ?? MAX_BATCH_SIZE));
  const perRun = Math.max(1, input.batchesPerRun ?? DEFAULT_BATCHES_PER_RUN);
  let status = 'running';
  const tasks = humanTasks({ subject: { type: 'RetentionReview', id: reviewId }, status: () => status });
  const act = tasks.activities();
  const { approvalSla, lineFrom } = await act.beginRetentionReview({ reviewId, workflowId: workflowInfo().workflowId, trigger, startedById });
  const sla = parseSla(approvalSla) ?? { businessDays: 2, clockMs: 0 };

  let batch = input.batch ?? 1;
  for (let taken = 0; taken < perRun; taken += 1, batch += 1) {
    const records = await act.takeRetentionBatch({ reviewId, batch, size });
    if (records.length === 0) {
      status = 'completed';
      const facts: RetentionReviewFacts = { completed: true };
      await tasks.settle({ record: { status, actorId: null, onBehalfOfId: null, comment: null, facts: { ...facts } }, requestId: `${reviewId}:completed` });
      return { reviewId, batches: batch - 1 };
    }

    const decision = (await tasks.ask({
      kind: 'retention_review',
      stepKey: `batch-${batch}`,
      title: `Retention review {number}, batch ${batch}: ${records.length} record${records.length === 1 ? '' : 's'} past their date`,
      assign: { to: 'role', role: 'records_manager', lineFrom },
      sla,
      details: { reviewId, batch, records },
    }))!;
    const decidedById = decision.onBehalfOfId ?? decision.actorId;
    const decided: RetentionReviewFacts = { decide: { batch, form: decision.data ?? {}, decidedById } };
    await tasks.settle({ record: { status, actorId: decision.actorId, onBehalfOfId: decision.onBehalfOfId, comment: decision.comment ?? null, facts: { ...decided } } });

    // A second stage where a class asks for one: someone else confirms those disposals.
    for (const { role, records: waiting } of await act.retentionItemsAwaitingConfirmation({ reviewId, batch })) {
      const confirmation = (await tasks.ask({
        kind: 'retention_disposal_confirmation',
        stepKey: `batch-${batch}-confirm-${role}`,
        title: `Retention review {number}, batch ${batch}: confirm the disposal of ${waiting.length} record${waiting.length === 1 ? '' : 's'}`,
        assign: { to: 'role', role, lineFrom },
        exclude: [{ ids: [decidedById], reason: 'the person who decided a disposal does not confirm it', as: 'decided the disposal' }],
        sla,
        details: { reviewId, batch, records: waiting },
      }))!;
      const confirmed: RetentionReviewFacts = {
        confirm: { batch, role, approved: confirmation.action === 'approve', confirmedById: confirmation.onBehalfOfId ?? confirmation.actorId, comment: confirmation.comment ?? null },
      };
      await tasks.settle({ record: { status, actorId: confirmation.actorId, onBehalfOfId: confirmation.onBehalfOfId, comment: confirmation.comment ?? null, facts: { ...confirmed } } });
    }

    await disposal.disposeRetentionItems({ reviewId, batch });
  }

  // Every decision answered before the run hands over: nothing waits on this run any more.
  await condition(allHandlersFinished);
  return continueAsNew<typeof retentionReviewWorkflow>({ reviewId, trigger, startedById, batch, batchesPerRun: perRun, batchSize: size });
}
