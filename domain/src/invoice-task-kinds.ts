import { commonActions, defineTaskKinds } from './task-kinds.ts';

/** The invoice match process's people steps (SPEC 4.3). */
export const invoiceTaskKinds = defineTaskKinds([
  {
    // Holds nobody can clear by waiting: accounting decides what happens to the invoice.
    kind: 'invoice_exception',
    processType: 'invoiceWorkflow',
    label: 'Invoice exception',
    subjectType: 'Invoice',
    actions: [
      { name: 'accept_variance', label: 'Accept the variance', done: 'Variance accepted', comment: 'required', tone: 'positive' },
      { name: 'request_credit_note', label: 'Ask for a credit note', done: 'Credit note requested', comment: 'required', tone: 'neutral' },
      { name: 'hold', label: 'Keep on hold', done: 'Kept on hold', comment: 'required', tone: 'neutral' },
      { name: 'reject', label: 'Reject the invoice', done: 'Rejected', comment: 'required', tone: 'negative' },
    ],
    slaPolicy: 'approval.stepSla',
    segregated: true,
  },
  {
    // A variance above twice the tolerance: a procurement manager confirms accounting's acceptance.
    kind: 'invoice_variance_approval',
    processType: 'invoiceWorkflow',
    label: 'Invoice variance approval',
    subjectType: 'Invoice',
    actions: [commonActions.approve, commonActions.reject],
    slaPolicy: 'approval.stepSla',
    segregated: true,
  },
  {
    // A matched invoice above the auto-approve limit.
    kind: 'invoice_approval',
    processType: 'invoiceWorkflow',
    label: 'Invoice payment approval',
    subjectType: 'Invoice',
    actions: [commonActions.approve, commonActions.reject],
    slaPolicy: 'approval.stepSla',
    segregated: true,
  },
  {
    // The due date has come: pay it and record the payment.
    kind: 'invoice_payment',
    processType: 'invoiceWorkflow',
    label: 'Payment due',
    subjectType: 'Invoice',
    actions: [{ name: 'mark_paid', label: 'Mark as paid', done: 'Paid', comment: 'optional', form: true, tone: 'positive' }],
    slaPolicy: null,
    segregated: false,
  },
]);
