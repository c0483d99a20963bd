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
  ok: z.boolean(),
  checked: z.int(),
  firstBrokenId: z.int().optional(),
  verifiedAt: z.string(),
});
export type AuditVerification = z.infer<typeof auditVerificationSchema>;
