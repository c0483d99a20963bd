import { ApplicationFailure, Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { recordClassDef, resolveRetentionDecisions, type RetentionBatchRecord, type RetentionDecision, type RetentionReviewForm, type Role } from '@p2p/domain';
import type { Executor } from '../db/client.ts';
import type { AuditEntry } from '../db/queries/audit.ts';
import { allocateDocumentNumber, readPolicy } from '../db/queries/requisitions.ts';
import { disposerOf } from '../db/queries/retention-disposal.ts';
import {
  completeRetentionReview,
  ensureRetentionReview,
  findRetentionReview,
  findReviewItem,
  insertBatchItems,
  insertTombstone,
  itemsOfBatch,
  updateReviewItem,
  upsertExtension,
  type RetentionReviewItemRow,
} from '../db/queries/retention-reviews.ts';
import { insertLegalHold, retentionPeriods, retentionSourceOf, selectReviewCandidates } from '../db/queries/retention.ts';
import { findActiveUsersWithRole } from '../db/queries/users.ts';
import { auditLog } from '../db/schema/index.ts';
import { auditedTransaction } from './audited-transaction.ts';
import { queueAudit, type SubjectAdapter } from './human-tasks.ts';
import type { ActivityDeps } from './index.ts';

/**
 * The retention review's effects (SPEC 4.4): the review's record, the batches
 * it takes up (each record once, never one another review holds undecided),
 * the decisions on them (extensions and legal holds written with the
 * decision), and the disposals, one record per transaction, each leaving a
 * tombstone and an audit entry. Idempotent throughout: by review id, by
 * (review, batch), by item status, so Temporal's retries and a worker killed
 * mid-disposal change nothing twice.
 */

const DAY_MS = 86_400_000;
const reviewUrl = (publicUrl: string, id: string) => `${publicUrl}/retention/reviews/${id}`;

/** What the review's settles tell its adapter. */
export interface RetentionReviewFacts {
  /** A records manager decided a batch. */
  decide?: { batch: number; form: RetentionReviewForm; decidedById: string };
  /** A second stage confirmed (or refused) the disposals of a batch that wait for it. */
  confirm?: { batch: number; role: Role; approved: boolean; confirmedById: string; comment: string | null };
  completed?: true;
}

export interface BeganReview {
  number: string;
  /** The people's steps' SLA (the approval policy's). */
  approvalSla: string;
  /** Where a step goes up the line from when no records manager can take it: who started the review, else an admin. */
  lineFrom: string;
}

export const toBatchRecord = (item: RetentionReviewItemRow, now: Date): RetentionBatchRecord => ({
  itemId: item.id,
  recordClass: item.recordClass,
  label: recordClassDef(item.recordClass)?.label ?? item.recordClass,
  recordId: item.recordId,
  number: item.number,
  eventAt: item.eventAt.toISOString(),
  retentionDate: item.retentionDate.toISOString(),
  ageDays: Math.floor((now.getTime() - item.eventAt.getTime()) / DAY_MS),
});

export function createRetentionActivities(deps: ActivityDeps) {
  const { db, clock, publicUrl } = deps;

  /** The audit entry about a record of a class: under the class's subject type, so the record's history shows it. */
  const aboutRecord = (item: RetentionReviewItemRow) => ({ subjectType: recordClassDef(item.recordClass)?.subjectType ?? item.recordClass, subjectId: item.recordId });

  /** A decision on one item, with what goes with it (an extension, a hold), in the settle's transaction. */
  async function applyDecision(tx: Executor, item: RetentionReviewItemRow, decision: RetentionDecision, decidedById: string, ctx: Omit<AuditEntry, 'at' | 'action' | 'subjectType' | 'subjectId' | 'actorId'>, now: Date) {
    const base = { decision: decision.action, decidedById, decidedAt: now, reason: decision.reason ?? null };
    const entry = (action: string, after: Record<string, unknown>) => queueAudit(tx, { ...ctx, at: now, actorId: decidedById, action, ...aboutRecord(item), after: { reviewItemId: item.id, number: item.number, ...after } });
    if (decision.action === 'extend') {
      const until = new Date(`${decision.until!}T00:00:00Z`);
      await upsertExtension(tx, { recordClass: item.recordClass, recordId: item.recordId, until, reason: decision.reason!, extendedById: decidedById, extendedAt: now, reviewItemId: item.id });
      await updateReviewItem(tx, item.id, { ...base, status: 'extended', extendedUntil: until });
      entry('retention.extended', { until: decision.until, reason: decision.reason });
    } else if (decision.action === 'legal_hold') {
      // An audit range is held from its first entry: nothing of the chain from there on can go while the hold is in force.
      const recordId = item.recordClass === 'audit_log' ? String(await auditEntryIdAt(tx, Number(item.recordId.split('-')[0]))) : item.recordId;
      const hold = await insertLegalHold(tx, { scope: 'record', recordClass: item.recordClass, recordId, target: `${recordClassDef(item.recordClass)?.label ?? item.recordClass} ${item.number}`, reason: decision.reason!, placedById: decidedById, placedAt: now });
      await updateReviewItem(tx, item.id, { ...base, status: 'held', note: `Legal hold ${hold.id}` });
      queueAudit(tx, { ...ctx, at: now, actorId: decidedById, action: 'legal_hold.placed', subjectType: 'LegalHold', subjectId: hold.id, after: { scope: 'record', target: hold.target, recordClass: hold.recordClass, recordId: hold.recordId, reason: hold.reason, reviewItemId: item.id } });
    } else {
      const secondStage = recordClassDef(item.recordClass)?.secondStage;
      await updateReviewItem(tx, item.id, { ...base, status: secondStage ? 'awaiting_confirmation' : 'pending' });
      entry('retention.disposal_decided', secondStage ? { awaits: secondStage } : {});
    }
  }

  async function auditEntryIdAt(tx: Executor, seq: number): Promise<number> {
    const [row] = await tx.select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.sealSeq, seq)).limit(1);
    if (!row) throw ApplicationFailure.nonRetryable(`audit entry at ${seq} is gone`, 'AuditEntryMissing');
    return row.id;
  }

  const subject: SubjectAdapter = {
    async describe(tx, id) {
      const review = await findRetentionReview(tx, id);
      if (!review) throw ApplicationFailure.nonRetryable(`retention review ${id} does not exist`, 'RetentionReviewMissing');
      const title = `Retention review ${review.number}`;
      return {
        number: review.number,
        title,
        mail: { typeLabel: 'Retention review', number: review.number, title, url: reviewUrl(publicUrl, id), facts: [{ label: 'Started', date: review.startedAt.toISOString() }], summary: `Records past their retention date wait for your decision` },
      };
    },

    async applyChange(tx, id, change, ctx, now) {
      const review = await findRetentionReview(tx, id, { lock: true });
      if (!review) throw ApplicationFailure.nonRetryable(`retention review ${id} does not exist`, 'RetentionReviewMissing');
      const facts = (change.facts ?? {}) as RetentionReviewFacts;
      const auditCtx = { ...ctx, onBehalfOfId: change.onBehalfOfId };
      if (facts.decide) {
        const items = await itemsOfBatch(tx, id, facts.decide.batch, { lock: true });
        const byRecord = new Map(resolveRetentionDecisions(facts.decide.form, items).map((decision) => [`${decision.recordClass}:${decision.recordId}`, decision]));
        for (const item of items) {
          const decision = byRecord.get(`${item.recordClass}:${item.recordId}`);
          // Decided once: a repeated settle finds the items decided.
          if (decision && item.status === 'pending' && !item.decision) await applyDecision(tx, item, decision, facts.decide.decidedById, auditCtx, now);
        }
      }
      if (facts.confirm) {
        const { batch, role, approved, confirmedById, comment } = facts.confirm;
        for (const item of await itemsOfBatch(tx, id, batch, { lock: true })) {
          if (item.status !== 'awaiting_confirmation' || recordClassDef(item.recordClass)?.secondStage !== role) continue;
          await updateReviewItem(tx, item.id, approved ? { status: 'pending', confirmedById } : { status: 'kept', confirmedById, note: `Disposal not confirmed: ${comment ?? 'no reason given'}` });
          queueAudit(tx, { ...auditCtx, at: now, actorId: confirmedById, action: approved ? 'retention.disposal_confirmed' : 'retention.disposal_refused', ...aboutRecord(item), after: { reviewItemId: item.id, number: item.number, comment } });
        }
      }
      if (facts.completed) {
        await completeRetentionReview(tx, id, now);
        queueAudit(tx, { ...auditCtx, at: now, actorId: null, action: 'retention_review.completed', subjectType: 'RetentionReview', subjectId: id, after: { number: review.number } });
      }
    },
  };

  return {
    retentionReviewSubject: subject,

    /** The review's record, created by its first run; every later run (continue-as-new) finds it. */
    async beginRetentionReview(params: { reviewId: string; workflowId: string; trigger: 'schedule' | 'manual'; startedById: string | null }): Promise<BeganReview> {
      const review = await auditedTransaction(db, async (tx, audits) => {
        const existing = await findRetentionReview(tx, params.reviewId);
        if (existing) return existing;
        const now = clock();
        const year = now.getUTCFullYear();
        const number = `RR-${year}-${String(await allocateDocumentNumber(tx, { kind: 'RR', year })).padStart(4, '0')}`;
        const created = await ensureRetentionReview(tx, { id: params.reviewId, number, trigger: params.trigger, startedById: params.startedById, workflowId: params.workflowId, startedAt: now });
        audits.push({ at: now, actorId: params.startedById, action: 'retention_review.started', subjectType: 'RetentionReview', subjectId: params.reviewId, processId: params.workflowId, requestId: `${params.workflowId}:begin`, userAgent: 'worker', after: { number, trigger: params.trigger } });
        return created;
      });
      const approval = await readPolicy<{ stepSla?: string }>(db, 'approval');
      const admins = params.startedById ? [] : await findActiveUsersWithRole(db, 'admin');
      const lineFrom = params.startedById ?? admins[0]?.id;
      if (!lineFrom) throw ApplicationFailure.nonRetryable('nobody can take a retention review: there is no active admin', 'NoAdmin');
      return { number: review.number, approvalSla: approval?.stepSla ?? 'P2D', lineFrom };
    },

    /**
     * The records of batch `batch`: taken up the first time (the oldest
     * retention dates first, across the classes, at most `size`), read back
     * every time after. Empty when nothing more is past its date.
     */
    async takeRetentionBatch(params: { reviewId: string; batch: number; size: number }): Promise<RetentionBatchRecord[]> {
      const now = clock();
      const items = await db.transaction(async (tx) => {
        const taken = await itemsOfBatch(tx, params.reviewId, params.batch);
        if (taken.length > 0) return taken;
        const { records } = await selectReviewCandidates(tx, { now, limit: params.size, reviewId: params.reviewId });
        await insertBatchItems(tx, { reviewId: params.reviewId, batch: params.batch, candidates: records });
        return itemsOfBatch(tx, params.reviewId, params.batch);
      });
      return items.map((item) => toBatchRecord(item, now));
    },

    /** The items of a batch whose disposal waits for a second stage, by the role that confirms them. */
    async retentionItemsAwaitingConfirmation(params: { reviewId: string; batch: number }): Promise<{ role: Role; records: RetentionBatchRecord[] }[]> {
      const now = clock();
      const byRole = new Map<Role, RetentionBatchRecord[]>();
      for (const item of await itemsOfBatch(db, params.reviewId, params.batch)) {
        const role = recordClassDef(item.recordClass)?.secondStage;
        if (item.status !== 'awaiting_confirmation' || !role) continue;
        byRole.set(role, [...(byRole.get(role) ?? []), toBatchRecord(item, now)]);
      }
      return [...byRole].map(([role, records]) => ({ role, records }));
    },

    /**
     * Disposes the batch's records decided (and, where asked, confirmed) for
     * disposal, each in a transaction of its own: checked again first (a hold
     * placed since, or its process running again, skips it with the reason),
     * then anonymised or removed, its tombstone and audit entry written, the
     * item marked. A repeat finds the items done and does nothing.
     */
    async disposeRetentionItems(params: { reviewId: string; batch: number }): Promise<{ disposed: number; skipped: number }> {
      const review = await findRetentionReview(db, params.reviewId);
      if (!review) throw ApplicationFailure.nonRetryable(`retention review ${params.reviewId} does not exist`, 'RetentionReviewMissing');
      const due = (await itemsOfBatch(db, params.reviewId, params.batch)).filter((item) => item.status === 'pending' && item.decision === 'dispose');
      let disposed = 0;
      let skipped = 0;
      // The chain's range last: the entries the disposals above write are not in it, and its own entry is written after.
      due.sort((a, b) => Number(a.recordClass === 'audit_log') - Number(b.recordClass === 'audit_log'));
      for (const { id } of due) {
        Context.current().heartbeat({ disposed, skipped });
        const outcome = await auditedTransaction(db, async (tx, audits) => {
          const item = await findReviewItem(tx, id, { lock: true });
          if (!item || item.status !== 'pending' || item.decision !== 'dispose') return 'done';
          const now = clock();
          const period = (await retentionPeriods(tx))[item.recordClass]!;
          const [still] = await retentionSourceOf(item.recordClass).selectPastRetention(tx, { now, period, limit: 1, recordId: item.recordId });
          const ctx = { processId: review.workflowId, requestId: `${review.workflowId}:dispose:${item.id}`, userAgent: 'worker' };
          if (!still) {
            const note = 'Not disposed: since the decision a legal hold or an extension covers it, or its process is running again';
            await updateReviewItem(tx, item.id, { status: 'skipped', note });
            audits.push({ ...ctx, at: now, actorId: null, action: 'retention.disposal_skipped', ...aboutRecord(item), after: { reviewItemId: item.id, number: item.number, note } });
            return 'skipped';
          }
          const details = await disposerOf(item.recordClass)(tx, item.recordId, now);
          const tombstone = await insertTombstone(tx, {
            reviewId: item.reviewId,
            reviewItemId: item.id,
            recordClass: item.recordClass,
            recordId: item.recordId,
            number: item.number,
            eventAt: item.eventAt,
            retentionDate: item.retentionDate,
            approvedById: item.decidedById!,
            confirmedById: item.confirmedById,
            disposedAt: now,
            details,
          });
          await updateReviewItem(tx, item.id, { status: 'disposed', note: `Tombstone ${tombstone.id}` });
          audits.push({ ...ctx, at: now, actorId: item.decidedById, action: 'retention.disposed', ...aboutRecord(item), after: { reviewItemId: item.id, number: item.number, tombstoneId: tombstone.id, confirmedById: item.confirmedById, ...details } });
          return 'disposed';
        });
        if (outcome === 'disposed') disposed += 1;
        if (outcome === 'skipped') skipped += 1;
      }
      return { disposed, skipped };
    },
  };
}

