import type { Database } from '../db/client.ts';
import type { PersonalDataCipher } from '../db/encryption.ts';
import { createHumanTaskActivities, type SubjectAdapter, type SubjectAdapters } from './human-tasks.ts';
import type { CompanyProfile } from './documents/company.ts';
import type { ActionLinkPort, MailPort } from './ports.ts';
import { createInvoicingActivities } from './invoices.ts';
import { createPersonalDataActivities } from './personal-data.ts';
import { createPurchasingActivities } from './purchase-orders.ts';
import type { SupplierLinks } from './supplier-links.ts';
import { createRequisitionActivities } from './requisition-approval.ts';
import { requisitionSubject } from './requisition-subject.ts';
import { createReportSummaryActivities } from './report-summaries.ts';
import { createRetentionActivities } from './retention.ts';

/** What activities may touch: narrowed, injected, so tests give them real parts on a test database. */
export interface ActivityDeps {
  db: Database;
  clock: () => Date;
  mail: MailPort;
  links: ActionLinkPort;
  /** The supplier's links in PO mails. */
  supplierLinks: Pick<SupplierLinks, 'issue'>;
  /** The company block of PO PDFs and supplier mails. */
  company: CompanyProfile;
  publicUrl: string;
  /** Opens supplier contacts' sealed phone and address. */
  personalData: PersonalDataCipher;
}

/** The records people's steps are about, one adapter per subject type; a new process adds its own. */
export function subjectAdapters(deps: ActivityDeps, adapters: { purchaseOrderSubject: SubjectAdapter; invoiceSubject: SubjectAdapter; retentionReviewSubject: SubjectAdapter; erasureRequestSubject: SubjectAdapter }): SubjectAdapters {
  return {
    Requisition: requisitionSubject(deps.publicUrl),
    PurchaseOrder: adapters.purchaseOrderSubject,
    Invoice: adapters.invoiceSubject,
    RetentionReview: adapters.retentionReviewSubject,
    ErasureRequest: adapters.erasureRequestSubject,
  };
}

/**
 * Side effects only: database writes, mail, PDFs. Each one is idempotent,
 * keyed by workflow id + step, because Temporal retries activities.
 * `extraSubjects` lets a process outside this list (a test's) plug its
 * record in without changing the task activities.
 */
export function createActivities(deps: ActivityDeps, extraSubjects: SubjectAdapters = {}) {
  const { purchaseOrderSubject, ...purchasing } = createPurchasingActivities(deps);
  const { invoiceSubject, ...invoicing } = createInvoicingActivities(deps);
  const { retentionReviewSubject, ...retention } = createRetentionActivities(deps);
  const { erasureRequestSubject, ...personalData } = createPersonalDataActivities(deps);
  const humanTasks = createHumanTaskActivities(deps, { ...subjectAdapters(deps, { purchaseOrderSubject, invoiceSubject, retentionReviewSubject, erasureRequestSubject }), ...extraSubjects });
  return {
    ...purchasing,
    ...invoicing,
    ...retention,
    ...personalData,
    ...createReportSummaryActivities(deps),
    // Runs of requisitionApprovalWorkflow (before the human-task helper) call these by name.
    ...createRequisitionActivities(deps.db, humanTasks),
    ...humanTasks,
  };
}

export type Activities = ReturnType<typeof createActivities>;
