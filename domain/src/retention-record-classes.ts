import { defineRecordClasses } from './record-classes.ts';

/**
 * The classes of SPEC 4.4 with its defaults (7 years after closing for the
 * procurement and accounting records, 3 years after the supplier's last
 * activity for supplier contact data, 1 year for deactivated accounts,
 * 7 years for the audit log).
 *
 * The legal minimums are where the SPEC is silent, so they follow common
 * practice and are the floor an admin cannot go below (not legal advice: a
 * company in another jurisdiction changes them here, in code, reviewed):
 * - orders, receipts and invoices are accounting records: commercial and tax
 *   law keep them 6 to 10 years (HGB s. 257, AO s. 147, UK Companies Act
 *   s. 388, IRS 7 years for most business records). The floor is the SPEC's
 *   own 7 years; a 10-year floor would put the SPEC's default below the law
 *   it is meant to follow, so a company under a 10-year rule sets both here.
 * - requisitions are internal approval evidence, not accounting vouchers:
 *   3 years, the general limitation period (BGB s. 195) within which a
 *   purchase is disputed and its approval asked for.
 * - supplier contact data is personal data that no statute makes us keep;
 *   data protection asks for as short as useful. 1 year after the last
 *   activity keeps it through the warranty questions that follow a delivery.
 * - a deactivated account is still named by tasks and audit entries and is
 *   needed to answer security questions: 6 months at least.
 * - the audit log proves the records above, so it lives at least as long.
 */
export const retentionRecordClasses = defineRecordClasses([
  {
    recordClass: 'requisition',
    label: 'Requisition',
    plural: 'Requisitions',
    subjectType: 'Requisition',
    countsFrom: 'closing',
    defaultPeriod: 'P7Y',
    legalMinimum: 'P3Y',
    runningWhen: 'not yet rejected, withdrawn or closed',
  },
  {
    recordClass: 'purchase_order',
    label: 'Purchase order',
    plural: 'Purchase orders',
    subjectType: 'PurchaseOrder',
    countsFrom: 'closing',
    defaultPeriod: 'P7Y',
    legalMinimum: 'P7Y',
    runningWhen: 'not yet closed or cancelled',
  },
  {
    recordClass: 'goods_receipt',
    label: 'Goods receipt',
    plural: 'Goods receipts',
    subjectType: 'GoodsReceipt',
    countsFrom: 'closing',
    defaultPeriod: 'P7Y',
    legalMinimum: 'P7Y',
    runningWhen: 'its order not yet closed or cancelled',
  },
  {
    recordClass: 'invoice',
    label: 'Invoice',
    plural: 'Invoices',
    subjectType: 'Invoice',
    countsFrom: 'closing',
    defaultPeriod: 'P7Y',
    legalMinimum: 'P7Y',
    runningWhen: 'not yet paid or rejected',
  },
  {
    recordClass: 'supplier_contact',
    label: 'Supplier contact data',
    plural: 'Supplier contact data',
    subjectType: 'Supplier',
    countsFrom: 'last_activity',
    defaultPeriod: 'P3Y',
    legalMinimum: 'P1Y',
    runningWhen: 'the supplier has an order not closed or cancelled, or an invoice not paid or rejected',
  },
  {
    recordClass: 'user_account',
    label: 'Deactivated user account',
    plural: 'Deactivated user accounts',
    subjectType: 'User',
    countsFrom: 'deactivation',
    defaultPeriod: 'P1Y',
    legalMinimum: 'P6M',
    runningWhen: 'the person still has open tasks or requisitions in progress',
  },
  {
    recordClass: 'audit_log',
    label: 'Audit log entries',
    plural: 'Audit log entries',
    subjectType: 'AuditLog',
    countsFrom: 'creation',
    defaultPeriod: 'P7Y',
    legalMinimum: 'P7Y',
    runningWhen: null,
    reviewNote: 'Reviewed as one range from the start of the chain (only a prefix can go without breaking its verification), ending before the first entry under a hold.',
    // The log is the proof of everything else: a records manager decides, an admin confirms.
    secondStage: 'admin',
  },
]);
