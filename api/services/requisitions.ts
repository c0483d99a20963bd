import { ForbiddenError, subject } from '@casl/ability';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  compareDecimal,
  defaultApprovalPolicy,
  editableStatuses,
  requisitionTotal,
  requisitionWorkflowId,
  withdrawableStatuses,
  type ApprovalPolicy,
  type ApprovalStep,
  type Requisition,
  type RequisitionBody,
  type RequisitionStatus,
} from '@p2p/domain';
import type { Executor } from '../../db/client.ts';
import { appendAudit } from '../../db/queries/audit.ts';
import type { RecordAnswer } from '../../db/queries/idempotency.ts';
import {
  allocateDocumentNumber,
  findRequisition,
  insertRequisition,
  listRequisitions,
  lockRequisition,
  readPolicy,
  replaceRequisition,
  updateRequisitionStatus,
  type RequisitionWithLines,
} from '../../db/queries/requisitions.ts';
import { findSupplierById } from '../../db/queries/suppliers.ts';
import { listTasksOfSubject } from '../../db/queries/tasks.ts';
import { projects, requisitions, type RequisitionRow, type TaskRow } from '../../db/schema/index.ts';
import { eq } from 'drizzle-orm';
import { requisitionWorkflow, withdraw as withdrawUpdate } from '../../workflows/requisition.workflow.ts';
import { searchKeys } from '../../workflows/search-attributes.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, fieldError } from '../errors.ts';
import { accessWhere } from './access.ts';
import type { AuditContext } from './audit-context.ts';
import { toProcessError } from './process-errors.ts';

export const APPROVAL_POLICY = 'approval';

const stepStatusOf = (task: TaskRow): ApprovalStep['status'] => {
  if (task.status === 'open') return 'active';
  if (task.status === 'cancelled') return 'cancelled';
  return task.outcome === 'approve' ? 'approved' : task.outcome === 'reject' ? 'rejected' : task.outcome === 'question' ? 'questioned' : 'cancelled';
};

/** The chain as people read it: planned levels of the current round, each with its latest task. */
export function approvalSteps(requisition: RequisitionRow, tasks: TaskRow[]): ApprovalStep[] {
  const chain = requisition.chain ?? [];
  return chain.map((level, index) => {
    const task = tasks.filter((t) => t.kind === 'requisition_approval' && t.data.round === requisition.round && t.data.level === level).at(-1);
    return {
      level: index + 1,
      role: level,
      assigneeId: task?.assigneeId ?? null,
      candidateRole: task?.candidateRole ?? null,
      status: task ? stepStatusOf(task) : 'pending',
      decidedBy: task?.completedById ?? null,
      onBehalfOf: task?.onBehalfOfId ?? null,
      decidedAt: task?.completedAt?.toISOString() ?? null,
      comment: task?.comment ?? null,
      dueAt: task?.dueAt?.toISOString() ?? null,
      taskId: task?.id ?? null,
      note: (task?.data.note as string | null | undefined) ?? null,
    };
  });
}

export function toRequisition(row: RequisitionWithLines, tasks: TaskRow[]): Requisition {
  return {
    ...toRequisitionSummary(row),
    lines: row.lines.map((line) => ({ id: line.id, lineNo: line.lineNo, description: line.description, quantity: line.quantity, unit: line.unit, unitPrice: line.unitPrice, amount: line.amount, supplierId: line.supplierId, glCode: line.glCode })),
    steps: approvalSteps(row, tasks),
  };
}

export function toRequisitionSummary(row: RequisitionRow): Omit<Requisition, 'lines' | 'steps'> {
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    purpose: row.purpose,
    projectId: row.projectId,
    neededBy: row.neededBy,
    status: row.status,
    total: row.total,
    requesterId: row.requesterId,
    workflowId: row.workflowId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    submittedAt: row.submittedAt?.toISOString() ?? null,
  };
}

const auditedRequisition = (row: RequisitionWithLines | RequisitionRow, lines?: RequisitionBody['lines']) => ({
  title: row.title,
  purpose: row.purpose,
  projectId: row.projectId,
  neededBy: row.neededBy,
  total: row.total,
  status: row.status,
  ...(lines ? { lines } : 'lines' in row ? { lines: row.lines.map((l) => ({ description: l.description, quantity: l.quantity, unit: l.unit, unitPrice: l.unitPrice, supplierId: l.supplierId })) } : {}),
});

export type RequisitionService = ReturnType<typeof createRequisitionService>;

/**
 * Starts the approval process of a committed submission, from the committed
 * row. Idempotent: the workflow id is the requisition's, and a process that
 * already ran or runs under it is never started again.
 */
export async function startApprovalProcess(client: Client, taskQueue: string, row: RequisitionRow): Promise<'started' | 'already started'> {
  if (!row.workflowId || !row.number || !row.policy) throw new Error(`requisition ${row.id} is not submitted`);
  try {
    await client.workflow.start(requisitionWorkflow, {
      workflowId: row.workflowId,
      taskQueue,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ requisitionId: row.id, number: row.number, requesterId: row.requesterId, total: row.total, policy: row.policy }],
      typedSearchAttributes: [
        { key: searchKeys.documentNumber, value: row.number },
        { key: searchKeys.businessKey, value: row.number },
        { key: searchKeys.requesterId, value: row.requesterId },
        { key: searchKeys.processStatus, value: 'submitted' },
      ],
    });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already started';
    throw error;
  }
}

export function createRequisitionService(deps: Pick<ApiDeps, 'db' | 'clock' | 'temporal' | 'config' | 'logger'>) {
  const { db, clock, temporal, config, logger } = deps;

  /** Inside a transaction pass it: PGlite has one connection, so a read beside the transaction would wait for it forever. */
  async function currentPolicy(executor: Executor = db): Promise<Required<ApprovalPolicy>> {
    return { ...defaultApprovalPolicy, ...((await readPolicy<ApprovalPolicy>(executor, APPROVAL_POLICY)) ?? {}) };
  }

  /** Unknown suppliers or projects: the body matched its schema and names nothing usable, a 422 naming the field. */
  async function checkReferences(body: RequisitionBody) {
    if (body.projectId) {
      const [project] = await db.select().from(projects).where(eq(projects.id, body.projectId)).limit(1);
      if (!project || !project.active) throw fieldError('projectId', 'no active project with this id');
    }
    for (const [index, line] of body.lines.entries()) {
      if (line.supplierId && !(await findSupplierById(db, line.supplierId))) throw fieldError(`lines.${index}.supplierId`, 'no supplier with this id');
    }
  }

  async function loadReadable(actor: RequestActor, id: string): Promise<RequisitionWithLines> {
    const row = await findRequisition(db, id);
    // A requisition the caller may not read is reported as missing: no leak of its existence.
    if (!row || !actor.ability.can('read', subject('Requisition', { ...row }))) throw new AppError('not_found', 'No such requisition');
    return row;
  }

  async function view(row: RequisitionWithLines): Promise<Requisition> {
    return toRequisition(row, await listTasksOfSubject(db, { subjectType: 'Requisition', subjectId: row.id }));
  }

  return {
    currentPolicy,

    async create(actor: RequestActor, body: RequisitionBody, audit: AuditContext, recordAnswer?: RecordAnswer<Requisition>): Promise<Requisition> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'Requisition');
      await checkReferences(body);
      const total = requisitionTotal(body.lines);
      return db.transaction(async (tx) => {
        const inserted = await insertRequisition(tx, { requesterId: actor.user.id, body, total });
        await appendAudit(tx, { ...audit, at: clock(), action: 'requisition.created', subjectType: 'Requisition', subjectId: inserted.id, after: auditedRequisition(inserted, body.lines) });
        // A new requisition has no tasks yet.
        const created = toRequisition((await findRequisition(tx, inserted.id))!, []);
        await recordAnswer?.(tx, created);
        return created;
      });
    },

    async get(actor: RequestActor, id: string): Promise<Requisition> {
      return view(await loadReadable(actor, id));
    },

    async list(actor: RequestActor, params: { status?: RequisitionStatus | undefined; mine?: boolean | undefined; search?: string | undefined; limit: number; before?: string | undefined }) {
      const access = accessWhere(actor.ability, 'read', 'Requisition', { requesterId: requisitions.requesterId, status: requisitions.status });
      const rows = await listRequisitions(db, { access, status: params.status, requesterId: params.mine ? actor.user.id : undefined, search: params.search, limit: params.limit, before: params.before });
      return rows.map(toRequisitionSummary);
    },

    /** Edits a draft, or amends a questioned requisition (the process sees the new total when the requester answers). */
    async update(actor: RequestActor, id: string, body: RequisitionBody, audit: AuditContext): Promise<Requisition> {
      const existing = await loadReadable(actor, id);
      ForbiddenError.from(actor.ability).throwUnlessCan('update', subject('Requisition', { ...existing }));
      await checkReferences(body);
      const total = requisitionTotal(body.lines);
      await db.transaction(async (tx) => {
        const locked = await lockRequisition(tx, id);
        if (!locked || !editableStatuses.includes(locked.status)) throw new AppError('conflict', `A requisition can be changed only while draft or questioned; this one is ${locked?.status}`);
        if (locked.status === 'questioned') {
          const policy = locked.policy ?? (await currentPolicy(tx));
          if (policy.maxTotal && compareDecimal(total, policy.maxTotal) > 0) throw fieldError('lines', `the total ${total} is above the policy maximum ${policy.maxTotal}`);
        }
        const updated = await replaceRequisition(tx, { id, body, total, now: clock() });
        await appendAudit(tx, { ...audit, at: clock(), action: locked.status === 'questioned' ? 'requisition.amended' : 'requisition.updated', subjectType: 'Requisition', subjectId: id, processId: locked.workflowId, before: auditedRequisition(existing), after: auditedRequisition(updated, body.lines) });
      });
      return view((await findRequisition(db, id))!);
    },

    /**
     * Numbers the requisition (once), snapshots the policy and commits it as
     * submitted, then starts its approval process from what was committed.
     * The commit comes first: a process started inside the transaction could
     * outlive a rollback (the API killed between the start and the commit)
     * and act on a requisition that was never submitted. A submission whose
     * start did not happen (the engine down, the API killed) is started by a
     * retry of this call or by the process starter (process-starter.ts); the
     * answer is 202 either way, the submission being durable.
     */
    async submit(actor: RequestActor, id: string, audit: AuditContext): Promise<Requisition> {
      const existing = await loadReadable(actor, id);
      ForbiddenError.from(actor.ability).throwUnlessCan('submit', subject('Requisition', { ...existing }));
      const submitted = await db.transaction(async (tx) => {
        const locked = await lockRequisition(tx, id);
        if (!locked) throw new AppError('not_found', 'No such requisition');
        if (locked.status !== 'draft') {
          if (locked.workflowId && ['submitted', 'under_review', 'questioned'].includes(locked.status)) return locked; // a retried submit
          throw new AppError('conflict', `Only a draft can be submitted; this requisition is ${locked.status}`);
        }
        const policy = await currentPolicy(tx);
        if (compareDecimal(locked.total, policy.maxTotal) > 0) throw fieldError('lines', `the total ${locked.total} is above the policy maximum ${policy.maxTotal}`);
        if (compareDecimal(locked.total, '0') <= 0) throw fieldError('lines', 'the total must be above zero');
        const now = clock();
        const year = now.getUTCFullYear();
        const number = locked.number ?? `REQ-${year}-${String(await allocateDocumentNumber(tx, { kind: 'REQ', year })).padStart(5, '0')}`;
        const workflowId = requisitionWorkflowId(id);
        const row = await updateRequisitionStatus(tx, { id, status: 'submitted', now, number, workflowId, policy, submitted: true });
        await appendAudit(tx, { ...audit, at: now, action: 'requisition.submitted', subjectType: 'Requisition', subjectId: id, processId: workflowId, before: { status: 'draft' }, after: { status: 'submitted', number, total: locked.total, policy } });
        return row;
      });
      if (submitted.status === 'submitted') {
        try {
          await startApprovalProcess(await temporal.client(), config.TEMPORAL_TASK_QUEUE, submitted);
        } catch (error) {
          logger.warn('approval process not started yet; the process starter will retry', { requisitionId: id, error: String(error) });
        }
      }
      return view((await findRequisition(db, id))!);
    },

    async withdraw(actor: RequestActor, id: string, reason: string | undefined, audit: AuditContext): Promise<Requisition> {
      const existing = await loadReadable(actor, id);
      ForbiddenError.from(actor.ability).throwUnlessCan('withdraw', subject('Requisition', { ...existing }));
      if (existing.status === 'withdrawn' && !existing.workflowId) return view(existing);
      if (existing.status !== 'withdrawn' && !withdrawableStatuses.includes(existing.status)) throw new AppError('conflict', `A requisition can no longer be withdrawn once ${existing.status}`);
      if (existing.status === 'draft') {
        await db.transaction(async (tx) => {
          const locked = await lockRequisition(tx, id);
          if (locked?.status !== 'draft') throw new AppError('conflict', 'The requisition changed meanwhile; reload it');
          await updateRequisitionStatus(tx, { id, status: 'withdrawn', now: clock(), decided: true });
          await appendAudit(tx, { ...audit, at: clock(), action: 'requisition.withdrawn', subjectType: 'Requisition', subjectId: id, before: { status: 'draft' }, after: { status: 'withdrawn', reason: reason ?? null } });
        });
      } else {
        // Already 'withdrawn' is a retry whose answer was lost. The status is
        // a projection that may have been written before the engine recorded
        // the withdrawal (see confirmDecision in tasks.ts), so the Update goes
        // again under its id, applied once; refused as no longer open, the
        // process had it.
        const handle = (await temporal.client()).workflow.getHandle(existing.workflowId!);
        try {
          await handle.executeUpdate(withdrawUpdate, { args: [{ actorId: actor.user.id, reason: reason ?? null }], updateId: `withdraw:${actor.user.id}` });
        } catch (error) {
          const mapped = toProcessError(error);
          if (!(existing.status === 'withdrawn' && mapped instanceof AppError && mapped.kind === 'conflict')) throw mapped;
        }
      }
      return view((await findRequisition(db, id))!);
    },

  };
}
