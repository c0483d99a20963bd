import { z } from 'zod';
import { registeredRecordClasses, retentionEvents, retentionPeriodPattern } from './record-class-registry.ts';
import { withRules } from './rules.ts';
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

/**
 * Only the dry run exists so far: the review workflow that a real run starts
 * comes with the rest of issue #14, and a run that did nothing would lie.
 */
export const startRetentionReviewBody = withRules(
  z.strictObject({
    dryRun: z.boolean().optional().describe('Must be true for now: the dry run lists what a review would take up; the review workflow itself is not built yet'),
    limit: z.int().min(1).max(1000).optional().describe('At most this many records in the answer (default 500)'),
  }),
  (body, ctx) => {
    if (body.dryRun !== true) ctx.addIssue({ code: 'custom', path: ['dryRun'], message: 'only a dry run is possible so far (dryRun: true): the review workflow comes with the rest of issue #14' });
  },
);
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
