import { z } from 'zod';

/** The auditor's views: one per API answer, shared by the API (validation, OpenAPI) and the web app. */
export const timelineItemSchema = z.object({
  at: z.string(),
  source: z.enum(['audit', 'engine']),
  type: z.string(),
  actor: z.string().nullish(),
  actorId: z.string().nullish(),
  onBehalfOf: z.string().nullish(),
  onBehalfOfId: z.string().nullish(),
  detail: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type TimelineItem = z.infer<typeof timelineItemSchema>;

export const processSummarySchema = z.object({
  workflowId: z.string(),
  kind: z.literal('requisition'),
  number: z.string().nullable(),
  title: z.string(),
  status: z.string(),
  requesterId: z.string(),
  requesterName: z.string(),
  total: z.string(),
  submittedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type ProcessSummary = z.infer<typeof processSummarySchema>;

export const auditVerificationSchema = z.object({
  ok: z.boolean().describe('Every sealed entry holds its place, link and hash (unsealed entries do not make it false)'),
  checked: z.int().describe('Sealed entries walked, in seal order'),
  firstBrokenId: z.int().optional().describe('Id of the first sealed entry whose place, link or hash does not hold'),
  unsealed: z.int().describe('Committed entries not yet chained by the sealer'),
  oldestUnsealedAt: z.string().nullable().describe('Time of the oldest unsealed entry; null when all are sealed'),
  sealLagMs: z.int().describe('How far sealing trails the writes: the time of the check minus oldestUnsealedAt, 0 when all are sealed'),
  lastSealedAt: z.string().nullable().describe('When the sealer last sealed a batch; null before the first'),
  startsAt: z.int().describe('Seal position the walk started at: 1, or the entry after the last range removed by a retention disposal'),
  disposed: z
    .object({ entries: z.int(), lastHash: z.string(), lastAt: z.string() })
    .nullable()
    .describe('Entries removed by retention disposals before startsAt, the hash the first kept entry links to, and the time of the last removed entry'),
  verifiedAt: z.string(),
});
export type AuditVerification = z.infer<typeof auditVerificationSchema>;
