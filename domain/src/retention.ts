import { z } from 'zod';
import { registeredRecordClasses, retentionEvents, retentionPeriodPattern } from './record-class-registry.ts';
import { calendarDate } from './dates.ts';
import { defineTaskForm } from './task-forms.ts';
import { text } from './text.ts';

export * from './record-class-registry.ts';

/** The pattern is the whole rule of the form; whether it is long enough is the class's legal minimum (422). */
export const retentionPeriodSchema = z
  .string()
  .regex(retentionPeriodPattern, 'must be an ISO 8601 period of years, months and days such as P10Y, P18M or P1Y6M')
  .describe('ISO 8601 period in years, months and days (P10Y, P18M, P1Y6M, P90D)');

const classNames = () => registeredRecordClasses().map((def) => def.recordClass) as [string, ...string[]];
export const recordClassSchema = z.enum(classNames());

export const retentionClassPolicySchema = z.object({
  recordClass: recordClassSchema,
  label: z.string(),
  countsFrom: z.enum(retentionEvents).describe('The event the period counts from (fixed per class: its legal minimum counts from it too)'),
  period: z.string().describe('The period in force'),
  defaultPeriod: z.string(),
  legalMinimum: z.string().describe('No policy may go below this'),
});
export type RetentionClassPolicy = z.infer<typeof retentionClassPolicySchema>;

export const retentionPolicySchema = z.object({
  classes: z.array(retentionClassPolicySchema),
  updatedAt: z.string().nullable(),
});
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

/** Changes to the periods, per class; classes not named keep theirs. */
export const putRetentionPolicyBody = z.strictObject({
  periods: z.strictObject(Object.fromEntries(classNames().map((name) => [name, retentionPeriodSchema.optional()]))),
});
export type PutRetentionPolicyBody = { periods: Partial<Record<string, string>> };

/** A record's id: a uuid, or the number of an audit entry. */
export const recordIdSchema = z.string().regex(/^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[1-9][0-9]{0,17})$/, 'must be a uuid or an audit entry number');

const reason = text(1000);

export const placeLegalHoldBody = z.union([
  z.strictObject({ recordClass: recordClassSchema, recordId: recordIdSchema, reason }).describe('A hold on one record'),
  z.strictObject({ supplierId: z.uuid(), reason }).describe("A hold on everything of a supplier: its orders, receipts, invoices, requisitions that ordered from it, and its contact data"),
  z.strictObject({ projectId: z.uuid(), reason }).describe("A hold on everything of a project: its requisitions and their orders, receipts and invoices"),
]);
export type PlaceLegalHoldBody = z.infer<typeof placeLegalHoldBody>;

export const releaseLegalHoldBody = z.strictObject({ reason });
export type ReleaseLegalHoldBody = z.infer<typeof releaseLegalHoldBody>;

export const legalHoldScopes = ['record', 'supplier', 'project'] as const;
export const legalHoldSchema = z.object({
  id: z.string(),
  scope: z.enum(legalHoldScopes),
  recordClass: z.string().nullable(),
  recordId: z.string().nullable(),
  supplierId: z.string().nullable(),
  projectId: z.string().nullable(),
  /** What is held, in words: a record's number, the supplier's or project's name. */
  target: z.string(),
  reason: z.string(),
  placedById: z.string(),
  placedByName: z.string(),
  placedAt: z.string(),
  releasedAt: z.string().nullable(),
  releasedById: z.string().nullable(),
  releaseReason: z.string().nullable(),
});
export type LegalHold = z.infer<typeof legalHoldSchema>;

export const listLegalHoldsQuery = z.object({
  status: z.enum(['active', 'released']).optional().describe('Only holds in force, or only released ones; both when absent'),
});

export const startRetentionReviewBody = z.strictObject({
  dryRun: z.boolean().optional().describe('true: only list what a review would take up now, creating no review and no task'),
  limit: z.int().min(1).max(1000).optional().describe('Dry run: at most this many records in the answer (default 500)'),
});
export type StartRetentionReviewBody = z.infer<typeof startRetentionReviewBody>;

export const retentionReviewRecordSchema = z.object({
  recordClass: z.string(),
  recordId: z.string(),
  /** The record's number (REQ-, PO-, GR-, INV-), a supplier's or person's name, or the audit range. */
  number: z.string(),
  /** When the counting event happened (closing, last activity, deactivation, creation). */
  eventAt: z.string(),
  retentionDate: z.string(),
  /** Whole days since the counting event. */
  ageDays: z.int(),
});
export type RetentionReviewRecord = z.infer<typeof retentionReviewRecordSchema>;

export const retentionDryRunSchema = z.object({
  records: z.array(retentionReviewRecordSchema),
  /** More records are past their date than the answer holds. */
  truncated: z.boolean(),
});
export type RetentionDryRun = z.infer<typeof retentionDryRunSchema>;

// ---- the review and its decisions ----

export const retentionActions = ['dispose', 'extend', 'legal_hold'] as const;
export type RetentionAction = (typeof retentionActions)[number];
export const retentionActionLabels: Record<RetentionAction, string> = { dispose: 'Dispose', extend: 'Extend', legal_hold: 'Legal hold' };

/** Where a record of a review stands: waiting for a decision or a confirmation, or what became of it. */
export const retentionItemStatuses = ['pending', 'awaiting_confirmation', 'disposed', 'extended', 'held', 'kept', 'skipped'] as const;
export type RetentionItemStatus = (typeof retentionItemStatuses)[number];

const decisionFields = {
  action: z.enum(retentionActions),
  until: calendarDate().optional().describe('extend: the new retention date (after today)'),
  reason: text(1000).optional().describe('extend and legal_hold: why (required for them)'),
};

/** A records manager's decision on one record of the batch. */
export const retentionDecisionSchema = z.strictObject({ recordClass: recordClassSchema, recordId: z.string().min(1).max(64), ...decisionFields });
export type RetentionDecision = z.infer<typeof retentionDecisionSchema>;

/**
 * The review task's form: a decision per record, and/or one for all the
 * records not named (the bulk action). Every record of the batch must end up
 * with exactly one decision.
 */
export const retentionReviewForm = z.strictObject({
  decisions: z.array(retentionDecisionSchema).max(100).optional().describe('Per record'),
  all: z.strictObject(decisionFields).optional().describe('For every record of the batch without a decision of its own'),
});
export type RetentionReviewForm = z.infer<typeof retentionReviewForm>;

/** A record as a review task lists it (the task's details carry its batch). */
export const retentionBatchRecordSchema = retentionReviewRecordSchema.extend({ itemId: z.string(), label: z.string() });
export type RetentionBatchRecord = z.infer<typeof retentionBatchRecordSchema>;

const todayUtc = () => new Date().toISOString().slice(0, 10);

/** The decisions a valid form makes, one per record of the batch, in the batch's order. */
export function resolveRetentionDecisions(form: RetentionReviewForm, records: readonly Pick<RetentionBatchRecord, 'recordClass' | 'recordId'>[]): RetentionDecision[] {
  const own = new Map((form.decisions ?? []).map((decision) => [`${decision.recordClass}:${decision.recordId}`, decision]));
  return records.flatMap((record) => {
    const decision = own.get(`${record.recordClass}:${record.recordId}`) ?? (form.all ? { recordClass: record.recordClass, recordId: record.recordId, ...form.all } : undefined);
    return decision ? [decision] : [];
  });
}

/** What a form must say beyond its schema, against the batch the task lists; paths name the field as sent. */
export function checkRetentionReviewForm(form: RetentionReviewForm, records: readonly Pick<RetentionBatchRecord, 'recordClass' | 'recordId'>[], today = todayUtc()): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const inBatch = new Set(records.map((record) => `${record.recordClass}:${record.recordId}`));
  const seen = new Set<string>();
  const checkFields = (decision: { action: RetentionAction; until?: string | undefined; reason?: string | undefined }, at: string) => {
    if (decision.action === 'extend' && !decision.until) issues.push({ path: `${at}.until`, message: 'a new retention date is required to extend' });
    if (decision.action === 'extend' && decision.until && decision.until <= today) issues.push({ path: `${at}.until`, message: `must be after today (${today})` });
    if (decision.action !== 'extend' && decision.until) issues.push({ path: `${at}.until`, message: 'only an extension takes a date' });
    if (decision.action !== 'dispose' && !decision.reason) issues.push({ path: `${at}.reason`, message: `a reason is required for ${retentionActionLabels[decision.action].toLowerCase()}` });
  };
  (form.decisions ?? []).forEach((decision, index) => {
    const key = `${decision.recordClass}:${decision.recordId}`;
    if (!inBatch.has(key)) issues.push({ path: `data.decisions.${index}.recordId`, message: 'is not a record of this review task' });
    else if (seen.has(key)) issues.push({ path: `data.decisions.${index}.recordId`, message: 'has a decision already' });
    seen.add(key);
    checkFields(decision, `data.decisions.${index}`);
  });
  if (form.all) checkFields(form.all, 'data.all');
  else if (records.some((record) => !seen.has(`${record.recordClass}:${record.recordId}`))) issues.push({ path: 'data.all', message: `every record needs a decision: ${records.length - seen.size} have none (decide them, or give one for all)` });
  return issues;
}

defineTaskForm('retention_review', 'record_decisions', retentionReviewForm, (data, details) =>
  checkRetentionReviewForm(data, (details.records as RetentionBatchRecord[] | undefined) ?? []),
);

export const retentionReviewStatuses = ['running', 'completed'] as const;

export const retentionReviewSummarySchema = z.object({
  id: z.string(),
  number: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  startedById: z.string().nullable(),
  startedByName: z.string().nullable(),
  status: z.enum(retentionReviewStatuses),
  workflowId: z.string(),
  startedAt: z.string(),
  completedAt: z.string().nullable(),
  /** How many of its records stand where (pending, disposed, extended...). */
  counts: z.record(z.string(), z.int()),
});
export type RetentionReviewSummary = z.infer<typeof retentionReviewSummarySchema>;

export const retentionReviewItemSchema = z.object({
  id: z.string(),
  batch: z.int(),
  recordClass: z.string(),
  recordId: z.string(),
  number: z.string(),
  eventAt: z.string(),
  retentionDate: z.string(),
  status: z.enum(retentionItemStatuses),
  decision: z.enum(retentionActions).nullable(),
  decidedById: z.string().nullable(),
  decidedByName: z.string().nullable(),
  decidedAt: z.string().nullable(),
  confirmedById: z.string().nullable(),
  extendedUntil: z.string().nullable(),
  reason: z.string().nullable(),
  /** What happened when it was carried out (skipped: why). */
  note: z.string().nullable(),
});
export type RetentionReviewItem = z.infer<typeof retentionReviewItemSchema>;

/** Proof of a disposal: what was there, who decided, when it went. */
export const retentionTombstoneSchema = z.object({
  id: z.string(),
  reviewId: z.string().nullable(),
  recordClass: z.string(),
  recordId: z.string(),
  number: z.string(),
  eventAt: z.string(),
  retentionDate: z.string(),
  approvedById: z.string(),
  approvedByName: z.string(),
  confirmedById: z.string().nullable(),
  disposedAt: z.string(),
  /** What the disposal did: fields anonymised, documents deleted, the audit range and its final hash. */
  details: z.record(z.string(), z.unknown()),
});
export type RetentionTombstone = z.infer<typeof retentionTombstoneSchema>;

export const retentionReviewSchema = retentionReviewSummarySchema.extend({
  items: z.array(retentionReviewItemSchema),
  tombstones: z.array(retentionTombstoneSchema),
});
export type RetentionReview = z.infer<typeof retentionReviewSchema>;

/** A review started now: its workflow writes the review a moment later (GET it by id). */
export const retentionReviewStartedSchema = z.object({ id: z.string(), workflowId: z.string(), status: z.literal('running') });
export type RetentionReviewStarted = z.infer<typeof retentionReviewStartedSchema>;
