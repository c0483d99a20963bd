import { allHandlersFinished, condition, proxyActivities } from '@temporalio/workflow';
// Zod-free modules only: the bundle is evaluated for every run.
import { parseSla } from '@p2p/domain/approval-rules';
import type { Activities } from '../activities/index.ts';
import { humanTasks } from './human-task.ts';

/**
 * An erasure request (GDPR Art. 17, SPEC 4.4): a records manager approves or
 * rejects it in the inbox; on approval one idempotent activity anonymises the
 * person, except what a retention duty or a legal hold keeps, and stores the
 * answer that names it. The request row is the record; this is its steps.
 */

export interface PersonalDataErasureInput {
  requestId: string;
  /** Who filed it: the approval escalates up the line from them when no records manager acts. */
  requestedById: string;
  /** SLA of the approval (ISO 8601, business days). */
  approvalSla: string;
}

export type ErasureProcessStatus = 'pending_approval' | 'approved' | 'rejected' | 'erased' | 'not_erased';

/** The erasure touches every table that names the person: a regular activity, with room to finish. */
const erasure = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function personalDataErasureWorkflow(input: PersonalDataErasureInput): Promise<{ status: ErasureProcessStatus; answer: string | null }> {
  let status: ErasureProcessStatus = 'pending_approval';
  const people = humanTasks({ subject: { type: 'ErasureRequest', id: input.requestId }, status: () => status });

  const decision = (await people.ask({
    kind: 'erasure_approval',
    stepKey: 'approval',
    title: '{title} ({number})',
    assign: { to: 'role', role: 'records_manager', lineFrom: input.requestedById },
    sla: parseSla(input.approvalSla) ?? { businessDays: 2, clockMs: 0 },
    details: { stepLabel: 'Erasure request (GDPR Art. 17)', erasureRequestId: input.requestId },
  }))!;
  status = decision.action === 'approve' ? 'approved' : 'rejected';
  await people.settle({ record: { status, actorId: decision.actorId, onBehalfOfId: decision.onBehalfOfId, comment: decision.comment ?? null } });
  if (status === 'rejected') {
    await condition(allHandlersFinished);
    return { status, answer: null };
  }
  const outcome = await erasure.erasePersonalData({ processId: people.processId, requestId: input.requestId });
  status = outcome.status;
  await condition(allHandlersFinished);
  return { status, answer: outcome.answer };
}
