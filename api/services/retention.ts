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
  type RetentionPolicy,
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
  retentionSourceOf,
  type RetentionCandidate,
} from '../../db/queries/retention.ts';
import type { LegalHoldRow } from '../../db/schema/index.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, fieldError, invalidFields } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';

export const RETENTION_POLICY = 'retention';

/** What is stored: only the periods an admin set; a class not named keeps its default. */
interface StoredRetentionPolicy {
  periods: Record<string, string>;
}

const DAY_MS = 86_400_000;
const DEFAULT_DRY_RUN_LIMIT = 500;

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

export type RetentionService = ReturnType<typeof createRetentionService>;

/**
 * Retention policies, legal holds and the review selection (SPEC 4.4). A
 * record's retention date is derived from the policy in force whenever it is
 * asked for (db/queries/retention.ts), so changing a policy re-dates every
 * record of the class at once: there is no stored date to rewrite.
 */
export function createRetentionService(deps: Pick<ApiDeps, 'db' | 'clock'>) {
  const { db, clock } = deps;

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
      const limit = body.limit ?? DEFAULT_DRY_RUN_LIMIT;
      const now = clock();
      const policy = await currentPolicy();
      const found: RetentionCandidate[] = [];
      let truncated = false;
      for (const { recordClass, period } of policy.classes) {
        const rows = await retentionSourceOf(recordClass).selectPastRetention(db, { now, period, limit: limit + 1 });
        if (rows.length > limit) truncated = true;
        found.push(...rows.slice(0, limit));
      }
      found.sort((a, b) => a.retentionDate.getTime() - b.retentionDate.getTime() || a.recordClass.localeCompare(b.recordClass));
      if (found.length > limit) truncated = true;
      return {
        records: found.slice(0, limit).map((record) => ({
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
  };
}
