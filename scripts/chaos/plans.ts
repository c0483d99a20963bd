import type { RequisitionStatus, TaskAction, TaskKind } from '@p2p/domain';
import { invoiceSteps, planInvoicing, type InvoiceDocument, type PlannedInvoicing } from './invoice-plans.ts';

/**
 * Demo people who take part: both requesters report to the manager (db/seed.ts); one buyer, one
 * warehouse clerk; two accountants: Arjun ('accountant') enters invoices and pays them, Paula
 * ('payables') decides their exceptions and approvals (who enters an invoice may not).
 */
export type Person = 'requester' | 'engineer' | 'manager' | 'procurement_manager' | 'finance_director' | 'buyer' | 'warehouse' | 'accountant' | 'payables';

export type Step =
  /** A task decided by `by`: on the requisition, or (`on`) on its purchase order or one of its invoices. */
  | { kind: 'decide'; by: Person; taskKind: TaskKind; action: TaskAction; comment?: string; on?: 'order' | 'invoice' | 'corrected' }
  /** The requester withdraws once approval level `whileLevelOpen` (1-based, as the API numbers steps) has its task open. */
  | { kind: 'withdraw'; by: Person; whileLevelOpen: number }
  /** The buyer prices the order's `po_prepare` task (every line at the requisition's price) and sends it. */
  | { kind: 'prepare'; by: Person }
  /** The warehouse receives every line of the issued order in full, in one receipt with an Idempotency-Key (after an early invoice is on hold). */
  | { kind: 'receive'; by: Person }
  /** The accountant enters one of the order's invoice documents (invoice-plans.ts), with an Idempotency-Key. */
  | { kind: 'enterInvoice'; by: Person; document: InvoiceDocument }
  /** Once the invoice is approved: paid in a payment run, or one by one. */
  | { kind: 'pay'; by: Person; how: 'run' | 'single' };

export interface Plan {
  name: string;
  /** The requisition's total picks the chain (default policy: <= 1,000 one step, <= 25,000 two, above three). */
  total: number;
  steps: Step[];
  /** Where the requisition's own run ends (its result); an approved one goes on as a purchase order. */
  endStatus: Extract<RequisitionStatus, 'approved' | 'rejected' | 'withdrawn'>;
}

/**
 * The purchasing policy's default (domain defaultPurchasingPolicy): an order
 * above it waits for a procurement manager. Orders carry the default 5% tax,
 * so a requisition of 5,000 makes an order of 5,250 and one of 30,000 an
 * order of 31,500 that needs the approval.
 */
const ORDER_APPROVAL_ABOVE = 10_000;
const TAX = 1.05;

const approve = (by: Person): Step => ({ kind: 'decide', by, taskKind: 'requisition_approval', action: 'approve' });

/**
 * The paths of workflows/requisition.workflow.ts the run exercises.
 * The requester ("requester" or "engineer") answers and withdraws; "manager"
 * is their line manager, then the procurement manager and the finance director.
 */
const templates = {
  approvedInTwo: { name: 'approved in 2 steps', total: 4000, endStatus: 'approved', steps: [approve('manager'), approve('procurement_manager')] },
  rejectedAtSecond: {
    name: 'rejected at step 2',
    total: 5000,
    endStatus: 'rejected',
    steps: [approve('manager'), { kind: 'decide', by: 'procurement_manager', taskKind: 'requisition_approval', action: 'reject', comment: 'chaos: over budget' }],
  },
  questioned: {
    name: 'questioned, answered, approved',
    total: 4000,
    endStatus: 'approved',
    steps: [
      { kind: 'decide', by: 'manager', taskKind: 'requisition_approval', action: 'question', comment: 'chaos: which supplier?' },
      { kind: 'decide', by: 'requester', taskKind: 'requisition_answer', action: 'answer', comment: 'chaos: the usual one' },
      approve('manager'),
      approve('procurement_manager'),
    ],
  },
  approvedInThree: { name: 'approved in 3 steps', total: 30000, endStatus: 'approved', steps: [approve('manager'), approve('procurement_manager'), approve('finance_director')] },
  rejectedAtFirst: {
    name: 'rejected at step 1',
    total: 800,
    endStatus: 'rejected',
    steps: [{ kind: 'decide', by: 'manager', taskKind: 'requisition_approval', action: 'reject', comment: 'chaos: not needed' }],
  },
  withdrawn: { name: 'withdrawn at step 2', total: 5000, endStatus: 'withdrawn', steps: [approve('manager'), { kind: 'withdraw', by: 'requester', whileLevelOpen: 2 }] },
} satisfies Record<string, Plan>;

/**
 * Every path within the first six requisitions (the smoke run), then 40% plain two-step approvals.
 * The approved ones stay at 4,000 (4,200 with tax, plus the index): their exact invoices are within
 * the auto-approve limit of 5,000; the three-step one's are not.
 */
const cycle: Plan[] = [
  templates.approvedInTwo,
  templates.rejectedAtSecond,
  templates.questioned,
  templates.approvedInThree,
  templates.rejectedAtFirst,
  templates.withdrawn,
  templates.approvedInTwo,
  templates.questioned,
  templates.approvedInTwo,
  templates.approvedInTwo,
];

/** Stock items the lines order (a line's description and unit name the item in inventory). */
const items = [
  { item: 'Spindle bearing 6204-2RS', unit: 'each' },
  { item: 'Hex bolt M8x40 (box of 100)', unit: 'box' },
  { item: 'Hydraulic filter cartridge', unit: 'each' },
  { item: 'V-belt SPZ 1250', unit: 'each' },
] as const;
const locations = ['MAIN', 'DOCK-2'] as const;

export interface PlannedLine {
  item: string;
  unit: string;
  quantity: number;
  unitPrice: number;
}

export interface PlannedOrder {
  /** The order's total is above the approval threshold: a procurement manager approves it before it is issued. */
  approval: boolean;
  /** Where the warehouse puts it. */
  location: string;
  /** Its invoice, credit note or corrected invoice, their decisions and payment. */
  invoicing: PlannedInvoicing;
}

export interface PlannedRequisition {
  index: number;
  requester: Extract<Person, 'requester' | 'engineer'>;
  plan: Plan;
  /** The requisition's total: the plan's, plus the index for an approved one (no two orders of a supplier bill the same total). */
  total: number;
  /** Every step after submission, in order: the requisition's (with the requester filled in), then its order's. */
  steps: Step[];
  /** How many of `steps` are the requisition's own; the rest are its purchase order's. */
  requisitionSteps: number;
  /** Two lines to one supplier, together the plan's total. */
  lines: PlannedLine[];
  /** Which demo supplier (in the API's list order) the lines name: spread over all of them. */
  supplierSlot: number;
  /** The purchase order an approval makes (exactly one: every line names the same supplier), else null. */
  order: PlannedOrder | null;
}

/**
 * Two lines: 80% of the total over 2, 4 or 5 units of one item, 20% over 1
 * or 2 units of another, so every price is exact in cents and stock piles up
 * per item across orders.
 */
function linesOf(index: number, total: number): PlannedLine[] {
  const first = [2, 4, 5][index % 3]!;
  const second = [1, 2][index % 2]!;
  const a = items[index % items.length]!;
  const b = items[(index + 2) % items.length]!;
  return [
    { item: a.item, unit: a.unit, quantity: first, unitPrice: (total * 0.8) / first },
    { item: b.item, unit: b.unit, quantity: second, unitPrice: (total * 0.2) / second },
  ];
}

/**
 * What a purchase order asks of people: the buyer prepares it, a procurement manager approves it above
 * the threshold, the warehouse receives it; accounting enters its invoice (an early one before the
 * receipt), decides what the match leaves to people, and pays it.
 */
function orderSteps(order: PlannedOrder): Step[] {
  const invoicing = invoiceSteps(order.invoicing);
  return [
    { kind: 'prepare', by: 'buyer' },
    ...(order.approval ? [{ kind: 'decide', by: 'procurement_manager', taskKind: 'po_approval', action: 'approve', on: 'order' } satisfies Step] : []),
    ...invoicing.beforeReceipt,
    { kind: 'receive', by: 'warehouse' },
    ...invoicing.afterReceipt,
  ];
}

/** `discountPercents`: each supplier's early-payment discount (0 for none), in the API's list order. */
export function planRequisitions(count: number, suppliers: number, discountPercents: readonly number[] = []): PlannedRequisition[] {
  /** Invoice totals planned so far per supplier slot (invoice-plans.ts keeps them apart). */
  const taken = new Map<number, Set<number>>();
  let orders = 0;
  return Array.from({ length: count }, (_, index) => {
    const plan = cycle[index % cycle.length]!;
    const requester: PlannedRequisition['requester'] = index % 2 === 0 ? 'requester' : 'engineer';
    const own = plan.steps.map((step): Step => (step.by === 'requester' ? { ...step, by: requester } : step));
    const approved = plan.endStatus === 'approved';
    const total = plan.total + (approved ? index : 0);
    const lines = linesOf(index, total);
    const supplierSlot = index % suppliers;
    if (!taken.has(supplierSlot)) taken.set(supplierSlot, new Set());
    const order = approved ? { approval: total * TAX > ORDER_APPROVAL_ABOVE, location: locations[Math.floor(index / 2) % locations.length]!, invoicing: planInvoicing(orders++, lines, taken.get(supplierSlot)!, discountPercents[supplierSlot] ?? 0) } : null;
    return { index, requester, plan, total, steps: [...own, ...(order ? orderSteps(order) : [])], requisitionSteps: own.length, lines, supplierSlot, order };
  });
}

/** Where the requisition's record ends: an approved one is `ordered` once its order is issued, `closed` once its invoice is paid. */
export const finalStatus = (planned: PlannedRequisition): RequisitionStatus => (planned.plan.endStatus === 'approved' ? 'closed' : planned.plan.endStatus);

export interface ExpectedEffects {
  /** Outcomes of the completed tasks in the order they were decided. */
  completedOutcomes: TaskAction[];
  tasks: Partial<Record<TaskKind, number>>;
  cancelledTasks: number;
  /** Outbox rows per template. */
  mails: Record<string, number>;
  /** Audit entries about the subject and its tasks, per action. */
  audit: Record<string, number>;
}

/**
 * What one requisition's process must leave behind, read off
 * activities/requisition-approval.ts: every approval task mails its assignee
 * once ('task-assigned'; nobody is out of office), an answer task mails the
 * requester ('questioned'), a final approval or rejection mails the requester
 * ('decision'), a withdrawal cancels the open task and mails nobody. Audit:
 * the API writes requisition.created and .submitted; the activities write
 * task.created / .completed / .cancelled once per task and one
 * requisition.<status> per status change (under_review after submission and
 * after every answer); an approved one becomes `ordered` when its order is
 * issued (activities/purchase-orders.ts refreshRequisitions).
 */
export function expectedEffects(planned: PlannedRequisition): ExpectedEffects {
  const own = planned.steps.slice(0, planned.requisitionSteps);
  const decisions = own.filter((step): step is Extract<Step, { kind: 'decide' }> => step.kind === 'decide');
  const withdrawals = own.filter((step) => step.kind === 'withdraw').length;
  const approvalTasks = decisions.filter((step) => step.taskKind === 'requisition_approval').length + withdrawals;
  const answerTasks = decisions.filter((step) => step.taskKind === 'requisition_answer').length;
  const questions = decisions.filter((step) => step.action === 'question').length;
  const final = planned.plan.endStatus;
  return {
    completedOutcomes: decisions.map((step) => step.action),
    tasks: { requisition_approval: approvalTasks, requisition_answer: answerTasks },
    cancelledTasks: withdrawals,
    mails: { 'task-assigned': approvalTasks, questioned: answerTasks, decision: final === 'withdrawn' ? 0 : 1 },
    audit: {
      'requisition.created': 1,
      'requisition.submitted': 1,
      'requisition.under_review': 1 + answerTasks,
      'requisition.questioned': questions,
      [`requisition.${final}`]: 1,
      'requisition.ordered': planned.order ? 1 : 0,
      'requisition.closed': planned.order ? 1 : 0,
      'task.created': approvalTasks + answerTasks,
      'task.completed': decisions.length,
      'task.cancelled': withdrawals,
    },
  };
}

/**
 * What one purchase order's process must leave behind, read off
 * workflows/purchase-order.workflow.ts and activities/purchase-orders.ts:
 * the prepare task (and the approval task above the threshold) mails its
 * assignee; issuing mails the supplier the PDF ('purchase-order') once; the
 * receipt mails the requester ('goods-arrived'). Audit: drafted by the
 * requisition's run, prepared, pending_approval when approval is needed,
 * issued, received, the receipt recorded, closed once its invoice is paid
 * (activities/invoices.ts closePurchaseOrderIfDone), and the tasks'.
 */
export function expectedOrderEffects(order: PlannedOrder): ExpectedEffects & { decisions: number } {
  const approvals = order.approval ? 1 : 0;
  return {
    completedOutcomes: ['prepare', ...(order.approval ? ['approve' as const] : [])],
    tasks: { po_prepare: 1, po_approval: approvals },
    cancelledTasks: 0,
    mails: { 'task-assigned': 1 + approvals, 'purchase-order': 1, 'goods-arrived': 1 },
    audit: {
      'purchase_order.drafted': 1,
      'purchase_order.prepared': 1,
      'purchase_order.pending_approval': approvals,
      'purchase_order.issued': 1,
      'purchase_order.received': 1,
      'purchase_order.closed': 1,
      'goods_receipt.recorded': 1,
      'task.created': 1 + approvals,
      'task.completed': 1 + approvals,
    },
    decisions: 1 + approvals,
  };
}

/** Every planned HTTP action after submission: decisions, answers, withdrawals, the orders' preparations, approvals and receipts, and their invoices' entries, decisions and payments. */
export const decisionCount = (planned: PlannedRequisition[]) => planned.reduce((sum, one) => sum + one.steps.length, 0);
