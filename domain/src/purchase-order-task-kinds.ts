import { commonActions, defineTaskKinds } from './task-kinds.ts';

/** The purchase-order process's people steps (SPEC 4.2). */
export const purchaseOrderTaskKinds = defineTaskKinds([
  {
    // Lines of an approved requisition nobody named a supplier for (its own small process).
    kind: 'po_assign_supplier',
    processType: 'supplierAssignmentWorkflow',
    label: 'Assign suppliers',
    subjectType: 'Requisition',
    actions: [{ name: 'assign', label: 'Assign suppliers', done: 'Suppliers assigned', comment: 'optional', form: true, tone: 'positive' }],
    slaPolicy: null,
    segregated: false,
  },
  {
    kind: 'po_prepare',
    processType: 'purchaseOrderWorkflow',
    label: 'Prepare a purchase order',
    subjectType: 'PurchaseOrder',
    actions: [
      { name: 'prepare', label: 'Prepare and send', done: 'Prepared', comment: 'optional', form: true, tone: 'positive' },
      { name: 'cancel', label: 'Cancel the order', done: 'Cancelled', comment: 'required', tone: 'negative' },
    ],
    slaPolicy: null,
    segregated: false,
  },
  {
    kind: 'po_approval',
    processType: 'purchaseOrderWorkflow',
    label: 'Purchase order approval',
    subjectType: 'PurchaseOrder',
    actions: [commonActions.approve, commonActions.reject],
    slaPolicy: 'approval.stepSla',
    segregated: true,
  },
  {
    kind: 'po_delivery_date',
    processType: 'purchaseOrderWorkflow',
    label: 'Supplier proposes a delivery date',
    subjectType: 'PurchaseOrder',
    actions: [
      { name: 'accept', label: 'Accept the date', done: 'Date accepted', comment: 'optional', tone: 'positive' },
      { name: 'reject', label: 'Keep our date', done: 'Date rejected', comment: 'required', tone: 'negative' },
    ],
    slaPolicy: null,
    segregated: false,
  },
]);
