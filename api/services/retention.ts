import { randomUUID } from 'node:crypto';
import { ForbiddenError } from '@casl/ability';
import {
  parseRetentionPeriod,
  periodAtLeast,
  recordClassDef,
  registeredRecordClasses,
  retentionEventLabels,
  type LegalHold,
  type PlaceLegalHoldBody,
  type PutRetentionPolicyBody,
  type ReleaseLegalHoldBody,
  type RetentionDryRun,
  resolveRetentionDecisions,
  type FormIssue,
  type RetentionBatchRecord,
  type RetentionPolicy,
  type RetentionReview,
  type RetentionReviewForm,
  type RetentionReviewStarted,
  type RetentionReviewSummary,
  type StartRetentionReviewBody,
} from '@p2p/domain';
import { appendAudit } from '../../db/queries/audit.ts';
import type { RecordAnswer } from '../../db/queries/idempotency.ts';
import { readPolicy, writePolicy } from '../../db/queries/requisitions.ts';
import {
  findLegalHold,
  findPlacedByName,
  findProjectName,
  findSupplierName,
  insertLegalHold,
  listLegalHolds,
  readPolicyRow,
  releaseLegalHold,
  RETENTION_POLICY,
  retentionPeriods,
  retentionSourceOf,
  selectReviewCandidates,
} from '../../db/queries/retention.ts';
import { countsOfReviews, findRetentionReview, itemsOfReview, listRetentionReviews, startedByName, tombstonesOfReview, type RetentionReviewRow } from '../../db/queries/retention-reviews.ts';
import type { LegalHoldRow, TaskRow } from '../../db/schema/index.ts';
import { retentionReviewWorkflow, type RetentionReviewInput } from '../../workflows/retention-review.workflow.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, fieldError, invalidFields } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';

/** What is stored: only the periods an admin set; a class not named keeps its default. */
interface StoredRetentionPolicy {
  periods: Record<string, string>;
}

const DAY_MS = 86_400_000;
const DEFAULT_DRY_RUN_LIMIT = 500;
/** A review's records in one answer: its batches are at most 100 each, and a night's review rarely takes more. */
const MAX_REVIEW_ITEMS = 5000;

export const toLegalHold = (row: LegalHoldRow, placedByName: string): LegalHold => ({
  id: row.id,
  scope: row.scope,
  recordClass: row.recordClass,
  recordId: row.recordId,
  supplierId: row.supplierId,
  projectId: row.projectId,
  target: row.target,
  reason: row.reason,
  placedById: row.placedById,
  placedByName,
  placedAt: row.placedAt.toISOString(),
  releasedAt: row.releasedAt?.toISOString() ?? null,
  releasedById: row.releasedById,
  releaseReason: row.releaseReason,
});

const toReviewSummary = (review: RetentionReviewRow, startedBy: string | null, counts: Record<string, number>): RetentionReviewSummary => ({
  id: review.id,
  number: review.number,
  trigger: review.trigger,
  startedById: review.startedById,
  startedByName: startedBy,
  status: review.status,
  workflowId: review.workflowId,
  startedAt: review.startedAt.toISOString(),
  completedAt: review.completedAt?.toISOString() ?? null,
  counts,
});

export type RetentionService = ReturnType<typeof createRetentionService>;

/**
 * Retention policies, legal holds and the review selection (SPEC 4.4). A
 * record's retention date is derived from the policy in force whenever it is
 * asked for (db/queries/retention.ts), so changing a policy re-dates every
 * record of the class at once: there is no stored date to rewrite.
 */
export function createRetentionService(deps: Pick<ApiDeps, 'db' | 'clock' | 'temporal' | 'config'>) {
  const { db, clock, temporal, config } = deps;

  async function storedPolicy(): Promise<{ value: StoredRetentionPolicy; updatedAt: Date | null }> {
    const row = await readPolicyRow(db, RETENTION_POLICY);
    return { value: (row?.value as StoredRetentionPolicy | undefined) ?? { periods: {} }, updatedAt: row?.updatedAt ?? null };
  }

  function effective(stored: StoredRetentionPolicy, updatedAt: Date | null): RetentionPolicy {
    return {
      classes: registeredRecordClasses().map((def) => ({
        recordClass: def.recordClass,
        label: def.label,
        countsFrom: def.countsFrom,
        period: stored.periods[def.recordClass] ?? def.defaultPeriod,
        defaultPeriod: def.defaultPeriod,
        legalMinimum: def.legalMinimum,
      })),
      updatedAt: updatedAt?.toISOString() ?? null,
    };
  }

  async function currentPolicy(): Promise<RetentionPolicy> {
    const { value, updatedAt } = await storedPolicy();
    return effective(value, updatedAt);
  }

  return {
    currentPolicy,

    async getPolicy(actor: RequestActor): Promise<RetentionPolicy> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Policy');
      return currentPolicy();
    },

    async putPolicy(actor: RequestActor, body: PutRetentionPolicyBody, audit: AuditContext): Promise<RetentionPolicy> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Policy');
      const errors: { path: string; message: string }[] = [];
      for (const [recordClass, period] of Object.entries(body.periods)) {
        if (period === undefined) continue;
        const def = recordClassDef(recordClass)!;
        if (!periodAtLeast(parseRetentionPeriod(period)!, parseRetentionPeriod(def.legalMinimum)!)) {
          errors.push({ path: `periods.${recordClass}`, message: `must not be below the legal minimum of ${def.legalMinimum} ${retentionEventLabels[def.countsFrom]} for ${def.plural.toLowerCase()}` });
        }
      }
      if (errors.length > 0) throw invalidFields(errors);
      return db.transaction(async (tx) => {
        const before = ((await readPolicy<StoredRetentionPolicy>(tx, RETENTION_POLICY)) ?? { periods: {} }).periods;
        const periods = { ...before };
        for (const [recordClass, period] of Object.entries(body.periods)) if (period !== undefined) periods[recordClass] = period;
        const now = clock();
        await writePolicy(tx, { name: RETENTION_POLICY, value: { periods }, updatedBy: actor.user.id, now });
        const beforeAll = effective({ periods: before }, null).classes.map(({ recordClass, period }) => [recordClass, period]);
        const afterAll = effective({ periods }, null).classes.map(({ recordClass, period }) => [recordClass, period]);
        await appendAudit(tx, { ...audit, at: now, action: 'policy.updated', subjectType: 'Policy', subjectId: RETENTION_POLICY, before: Object.fromEntries(beforeAll), after: Object.fromEntries(afterAll) });
        return effective({ periods }, now);
      });
    },

    async placeHold(actor: RequestActor, body: PlaceLegalHoldBody, audit: AuditContext, recordAnswer?: RecordAnswer<LegalHold>): Promise<LegalHold> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'LegalHold');
      let target: string | undefined;
      let scope: LegalHoldRow['scope'];
      if ('recordClass' in body) {
        scope = 'record';
        target = await retentionSourceOf(body.recordClass).describeRecord(db, body.recordId);
        if (target === undefined) throw fieldError('recordId', `no ${recordClassDef(body.recordClass)!.label.toLowerCase()} with this id`);
        target = `${recordClassDef(body.recordClass)!.label} ${target}`;
      } else if ('supplierId' in body) {
        scope = 'supplier';
        target = await findSupplierName(db, body.supplierId);
        if (target === undefined) throw fieldError('supplierId', 'no supplier with this id');
        target = `Supplier ${target}`;
      } else {
        scope = 'project';
        target = await findProjectName(db, body.projectId);
        if (target === undefined) throw fieldError('projectId', 'no project with this id');
        target = `Project ${target}`;
      }
      return db.transaction(async (tx) => {
        const now = clock();
        const row = await insertLegalHold(tx, { ...body, scope, target, placedById: actor.user.id, placedAt: now });
        const hold = toLegalHold(row, await findPlacedByName(tx, actor.user.id));
        await recordAnswer?.(tx, hold);
        await appendAudit(tx, { ...audit, at: now, action: 'legal_hold.placed', subjectType: 'LegalHold', subjectId: row.id, after: { scope, target, recordClass: row.recordClass, recordId: row.recordId, supplierId: row.supplierId, projectId: row.projectId, reason: row.reason } });
        return hold;
      });
    },

    async releaseHold(actor: RequestActor, id: string, body: ReleaseLegalHoldBody, audit: AuditContext): Promise<LegalHold> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'LegalHold');
      const existing = await findLegalHold(db, id);
      if (!existing) throw new AppError('not_found', 'No such legal hold');
      if (existing.releasedAt) throw new AppError('conflict', `The hold was released on ${existing.releasedAt.toISOString()}`);
      return db.transaction(async (tx) => {
        const now = clock();
        const row = await releaseLegalHold(tx, { id, releasedById: actor.user.id, reason: body.reason, now });
        if (!row) throw new AppError('conflict', 'The hold was released meanwhile');
        await appendAudit(tx, { ...audit, at: now, action: 'legal_hold.released', subjectType: 'LegalHold', subjectId: id, before: { releasedAt: null }, after: { target: row.target, releasedAt: now.toISOString(), reason: body.reason } });
        return toLegalHold(row, await findPlacedByName(tx, row.placedById));
      });
    },

    async listHolds(actor: RequestActor, params: { limit: number; after?: string | undefined; status?: 'active' | 'released' | undefined }): Promise<LegalHold[]> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'LegalHold');
      return (await listLegalHolds(db, params)).map(({ hold, placedByName }) => toLegalHold(hold, placedByName));
    },

    /**
     * What a review would take up now: per class, the records past their date
     * under the policy in force, skipping held records and those whose process
     * still runs; oldest date first.
     */
    async dryRun(actor: RequestActor, body: StartRetentionReviewBody): Promise<RetentionDryRun> {
      ForbiddenError.from(actor.ability).throwUnlessCan('review', 'RetentionRecord');
      // The same selection a review's batches make (db/queries/retention.ts), without taking anything up.
      const limit = body.limit ?? DEFAULT_DRY_RUN_LIMIT;
      const now = clock();
      const { records: found, truncated } = await selectReviewCandidates(db, { now, limit });
      return {
        records: found.map((record) => ({
          recordClass: record.recordClass,
          recordId: record.recordId,
          number: record.number,
          eventAt: record.eventAt.toISOString(),
          retentionDate: record.retentionDate.toISOString(),
          ageDays: Math.floor((now.getTime() - record.eventAt.getTime()) / DAY_MS),
        })),
        truncated,
      };
    },

    /**
     * Starts a review now, as the nightly Schedule does (records managers,
     * admins): its workflow takes the records up in batches and opens the
     * records managers' tasks. The review's row is written by its first
     * activity, a moment after this answer.
     */
    async startReview(actor: RequestActor): Promise<RetentionReviewStarted> {
      ForbiddenError.from(actor.ability).throwUnlessCan('review', 'RetentionRecord');
      const reviewId = randomUUID();
      const workflowId = `retention-review-${reviewId}`;
      const input: RetentionReviewInput = { reviewId, trigger: 'manual', startedById: actor.user.id };
      await (await temporal.client()).workflow.start(retentionReviewWorkflow, { workflowId, taskQueue: config.TEMPORAL_TASK_QUEUE, workflowIdReusePolicy: 'REJECT_DUPLICATE', args: [input] });
      return { id: reviewId, workflowId, status: 'running' };
    },

    async listReviews(actor: RequestActor, params: { limit: number; after?: string | undefined }): Promise<RetentionReviewSummary[]> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'RetentionRecord');
      const rows = await listRetentionReviews(db, params);
      const counts = await countsOfReviews(db, rows.map(({ review }) => review.id));
      return rows.map(({ review, startedByName }) => toReviewSummary(review, startedByName, counts.get(review.id) ?? {}));
    },

    /** A review with its records (what was decided on each and what came of it) and the tombstones of what it disposed. */
    async getReview(actor: RequestActor, id: string): Promise<RetentionReview> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'RetentionRecord');
      const review = await findRetentionReview(db, id);
      if (!review) throw new AppError('not_found', 'No such retention review');
      const items = await itemsOfReview(db, id, MAX_REVIEW_ITEMS);
      const tombstones = await tombstonesOfReview(db, id, MAX_REVIEW_ITEMS);
      const counts = (await countsOfReviews(db, [id])).get(id) ?? {};
      return {
        ...toReviewSummary(review, await startedByName(db, review.startedById), counts),
        items: items.map(({ item, decidedByName }) => ({
          id: item.id,
          batch: item.batch,
          recordClass: item.recordClass,
          recordId: item.recordId,
          number: item.number,
          eventAt: item.eventAt.toISOString(),
          retentionDate: item.retentionDate.toISOString(),
          status: item.status,
          decision: item.decision,
          decidedById: item.decidedById,
          decidedByName,
          decidedAt: item.decidedAt?.toISOString() ?? null,
          confirmedById: item.confirmedById,
          extendedUntil: item.extendedUntil?.toISOString() ?? null,
          reason: item.reason,
          note: item.note,
        })),
        tombstones: tombstones.map(({ tombstone, approvedByName }) => ({
          id: tombstone.id,
          reviewId: tombstone.reviewId,
          recordClass: tombstone.recordClass,
          recordId: tombstone.recordId,
          number: tombstone.number,
          eventAt: tombstone.eventAt.toISOString(),
          retentionDate: tombstone.retentionDate.toISOString(),
          approvedById: tombstone.approvedById,
          approvedByName,
          confirmedById: tombstone.confirmedById,
          disposedAt: tombstone.disposedAt.toISOString(),
          details: tombstone.details,
        })),
      };
    },

    /**
     * What a review task's decisions ask that the database says no to, before
     * the process hears of them: disposing a record placed under a legal
     * hold, extended, or whose process runs again since the batch was taken
     * (422 naming the decision). The disposal checks again when it runs.
     */
    async checkReviewDecisions(row: TaskRow, data: Record<string, unknown> | null): Promise<FormIssue[]> {
      const records = ((row.data.records as RetentionBatchRecord[] | undefined) ?? []);
      const form = (data ?? {}) as RetentionReviewForm;
      const own = new Map((form.decisions ?? []).map((decision, index) => [`${decision.recordClass}:${decision.recordId}`, index]));
      const periods = await retentionPeriods(db);
      const now = clock();
      const issues: FormIssue[] = [];
      for (const decision of resolveRetentionDecisions(form, records)) {
        if (decision.action !== 'dispose') continue;
        const [still] = await retentionSourceOf(decision.recordClass).selectPastRetention(db, { now, period: periods[decision.recordClass]!, limit: 1, recordId: decision.recordId });
        if (still) continue;
        const index = own.get(`${decision.recordClass}:${decision.recordId}`);
        const number = records.find((record) => record.recordClass === decision.recordClass && record.recordId === decision.recordId)?.number ?? decision.recordId;
        issues.push({ path: index === undefined ? 'data.all.action' : `data.decisions.${index}.action`, message: `${number} cannot be disposed: a legal hold or an extension covers it now, or its process is running again` });
      }
      return issues;
    },
  };
}
