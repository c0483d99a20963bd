import { z } from 'zod';
import { text } from './text.ts';

/**
 * Personal data of the people in this system (SPEC 4.4): users, and the
 * contact person of each supplier. Contracts of the access export (GDPR
 * Art. 15), the erasure request (Art. 17) and a supplier's contact data.
 */

export const personKinds = ['user', 'supplier_contact'] as const;
export type PersonKind = (typeof personKinds)[number];

export const personKindLabels: Record<PersonKind, string> = {
  user: 'User',
  supplier_contact: 'Supplier contact',
};

/**
 * pending_approval -> rejected (the records manager said no) | approved (for
 * the moment the erasure runs) -> erased (the person was anonymised; retained
 * records keep what the answer names) | not_erased (a legal hold or work
 * still open for the person stopped it when it ran; the answer says which).
 */
export const erasureRequestStatuses = ['pending_approval', 'approved', 'rejected', 'erased', 'not_erased'] as const;
/** A request still to be carried out: one per person at a time. */
export const openErasureStatuses: readonly ErasureRequestStatus[] = ['pending_approval', 'approved'];
export type ErasureRequestStatus = (typeof erasureRequestStatuses)[number];

export const erasureRequestStatusLabels: Record<ErasureRequestStatus, string> = {
  pending_approval: 'Awaiting approval',
  approved: 'Approved, being carried out',
  rejected: 'Rejected',
  erased: 'Erased',
  not_erased: 'Not erased',
};

/** One thing an erasure kept, with why, and until when where a retention period says so. */
export const erasureKeptSchema = z.object({
  what: z.string(),
  why: z.string(),
  until: z.string().nullable().describe('ISO date the retention runs until; null under a legal hold (until released) or when it depends on a record still open'),
});
export type ErasureKept = z.infer<typeof erasureKeptSchema>;

// ---- supplier contact ----

export const supplierContactFields = {
  contactName: text(200).nullish().describe('The contact person at the supplier'),
  phone: text(50).nullish().describe('Stored encrypted'),
  address: text(500).nullish().describe('Stored encrypted'),
};

export const putSupplierContactBody = z.strictObject(supplierContactFields);
export type PutSupplierContactBody = z.infer<typeof putSupplierContactBody>;

export const supplierContactSchema = z.object({
  supplierId: z.string(),
  supplierName: z.string(),
  contactName: z.string().nullable(),
  email: z.string(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  /** Set once the contact data was erased. */
  anonymisedAt: z.string().nullable(),
});
export type SupplierContact = z.infer<typeof supplierContactSchema>;

// ---- access export (Art. 15) ----

export const personQuery = z.object({
  personKind: z.enum(personKinds),
  personId: z.uuid().describe("A user's id, or a supplier's id for its contact"),
});
export type PersonQuery = z.infer<typeof personQuery>;

export const accessExportSectionSchema = z.object({
  name: z.string(),
  description: z.string(),
  items: z.array(z.record(z.string(), z.unknown())),
  /** More exist than the export holds (each section holds at most 1,000, newest first). */
  truncated: z.boolean(),
});

export const accessExportSchema = z.object({
  exportedAt: z.string(),
  personKind: z.enum(personKinds),
  personId: z.string(),
  /** The person's own record: account fields and roles, or the supplier's contact data (decrypted). */
  person: z.record(z.string(), z.unknown()),
  sections: z.array(accessExportSectionSchema),
});
export type AccessExport = z.infer<typeof accessExportSchema>;

// ---- erasure requests (Art. 17) ----

export const createErasureRequestBody = z.strictObject({
  personKind: z.enum(personKinds),
  personId: z.uuid().describe("A user's id, or a supplier's id for its contact"),
  reason: text(1000).describe('Why: the person asked (when, how), or another ground'),
});
export type CreateErasureRequestBody = z.infer<typeof createErasureRequestBody>;

export const erasureRequestSchema = z.object({
  id: z.string(),
  personKind: z.enum(personKinds),
  personId: z.string(),
  /** The person as named now (a former user once erased). */
  personLabel: z.string(),
  reason: z.string(),
  status: z.enum(erasureRequestStatuses),
  workflowId: z.string(),
  requestedById: z.string(),
  requestedByName: z.string(),
  requestedAt: z.string(),
  decidedById: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionComment: z.string().nullable(),
  /** What the erasure did and kept, in words; null while it awaits approval. */
  answer: z.string().nullable(),
  kept: z.array(erasureKeptSchema).nullable(),
  completedAt: z.string().nullable(),
});
export type ErasureRequest = z.infer<typeof erasureRequestSchema>;

export const listErasureRequestsQuery = z.object({
  status: z.enum(erasureRequestStatuses).optional(),
});
