import { ApplicationFailure } from '@temporalio/activity';
import type { ApprovalLevel, RequisitionStatus } from '@p2p/domain';
import type { Executor } from '../db/client.ts';
import { assignLineSuppliers, findRequisitionHeading, recordApprovalChain, updateRequisitionStatus } from '../db/queries/requisitions.ts';
import { queueAudit, type SubjectAdapter } from './human-tasks.ts';
import { requisitionMailSubject, requisitionNextStep } from './mail/subjects.ts';

const finalStatuses: readonly string[] = ['approved', 'rejected', 'withdrawn'];

/**
 * The requisition as the human-task activities see it: its heading for task
 * titles and mails, and its status, which follows the process. Each status
 * change is audited with who caused it, in the transition's transaction.
 */
export function requisitionSubject(publicUrl: string): SubjectAdapter {
  async function heading(db: Executor, id: string) {
    const requisition = await findRequisitionHeading(db, id);
    if (!requisition) throw ApplicationFailure.nonRetryable(`requisition ${id} does not exist`, 'RequisitionMissing');
    return requisition;
  }
  return {
    async describe(db, id) {
      const requisition = await heading(db, id);
      const number = requisition.number ?? 'draft';
      return {
        number,
        title: requisition.title,
        mail: requisitionMailSubject({ number, title: requisition.title, total: requisition.total, requesterName: requisition.requesterName, url: `${publicUrl}/requisitions/${id}` }),
      };
    },

    nextStep: requisitionNextStep,

    async applyChange(tx, id, change, audit, now) {
      const assignments = change.facts?.assignSuppliers as { lineId: string; supplierId: string }[] | undefined;
      if (assignments) {
        // A buyer named suppliers for lines that had none: only known, active suppliers, only this requisition's lines.
        const applied = await assignLineSuppliers(tx, { requisitionId: id, assignments });
        queueAudit(tx, { ...audit, at: now, actorId: change.actorId, onBehalfOfId: change.onBehalfOfId, action: 'requisition.suppliers_assigned', subjectType: 'Requisition', subjectId: id, after: { lines: applied } });
        return;
      }
      const chain = change.facts?.chain as ApprovalLevel[] | undefined;
      if (chain) await recordApprovalChain(tx, { id, chain, round: Number(change.facts?.round ?? 0) });
      const before = await heading(tx, id);
      if (before.status === change.status) return;
      await updateRequisitionStatus(tx, { id, status: change.status as RequisitionStatus, now, decided: finalStatuses.includes(change.status) });
      queueAudit(tx, {
        ...audit,
        at: now,
        actorId: change.actorId,
        onBehalfOfId: change.onBehalfOfId,
        action: `requisition.${change.status}`,
        subjectType: 'Requisition',
        subjectId: id,
        before: { status: before.status },
        after: { status: change.status, ...(change.comment ? { comment: change.comment } : {}) },
      });
    },
  };
}
