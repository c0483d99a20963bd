import { defaultMatchingPolicy, type TaskAction, type TaskKind } from '@p2p/domain';
import type { Person, PlannedLine, Step } from './plans.ts';

/**
 * What accounting does with each purchase order's invoice (SPEC 4.3), read
 * off workflows/invoice.workflow.ts: most invoices bill exactly what the
 * order says and are approved at once; some bill line 1 above the price
 * tolerance and become an exception for the second accountant (segregation
 * of duties keeps it from the one who entered it): the variance accepted,
 * accepted above twice the tolerance and confirmed by the procurement
 * manager, a credit note asked for and entered, or the invoice rejected and a
 * corrected one entered; a few are entered before the goods and match on the
 * receipt.
 */
export type InvoiceVariant = 'exact' | 'variance' | 'varianceAboveTwice' | 'creditNote' | 'rejected' | 'early';

/** The documents an order's invoicing makes: its invoice, the credit note correcting it, the invoice replacing a rejected one. */
export type InvoiceDocument = 'invoice' | 'creditNote' | 'corrected';

export interface PlannedInvoiceLine {
  /** Index of the order line (lines in requisition order). */
  line: number;
  quantity: number;
  unitPriceCents: number;
}

export interface PlannedInvoiceBody {
  lines: PlannedInvoiceLine[];
  taxCents: number;
  totalCents: number;
}

export interface PlannedInvoicing {
  variant: InvoiceVariant;
  /** Line 1 billed this much per unit above the PO price (cents; 0 when exact). */
  deltaCents: number;
  documents: Partial<Record<InvoiceDocument, PlannedInvoiceBody>>;
  /** What is open in the end, net of the credit note, in cents. */
  netCents: number;
  /** What is paid: the net less the supplier's early-payment discount (paid today, within its days), in cents; by which document. */
  paidCents: number;
  paidDocument: Exclude<InvoiceDocument, 'creditNote'>;
  /** Most in a payment run, a few one by one. */
  payment: 'run' | 'single';
  /** The paid invoice is above the auto-approve limit: the second accountant approves it for payment. */
  approval: boolean;
}

const cents = (value: string) => Math.round(Number(value) * 100);
const AUTO_APPROVE_LIMIT = cents(defaultMatchingPolicy.autoApproveLimit);
/** The price tolerance per unit, in 1/10,000 (prices have 4 decimals): the tighter of a percent of the PO price and an amount. */
const upperLimit4 = (poPriceCents: number) => Math.min(poPriceCents * Number(defaultMatchingPolicy.priceUpper.percent), cents(defaultMatchingPolicy.priceUpper.amount) * 100);
/** Tax at the orders' 5%, per line, half away from zero (domain lineAmount / taxOn). */
const taxOf = (amountCents: number) => Math.sign(amountCents) * Math.round(Math.abs(amountCents) * 0.05);

/** Every path within the first eight orders (the smoke run), then 70% exact. */
const variantCycle: InvoiceVariant[] = [
  'exact', 'variance', 'creditNote', 'exact', 'early', 'varianceAboveTwice', 'rejected', 'exact',
  'exact', 'exact', 'exact', 'variance', 'exact', 'exact', 'exact', 'exact', 'exact', 'exact', 'exact', 'exact',
];
/** How far above the tolerance line 1's price goes, per variant (a multiple of the tolerance). */
const overTolerance: Record<Exclude<InvoiceVariant, 'exact' | 'early'>, number> = { variance: 1.5, creditNote: 1.5, varianceAboveTwice: 3, rejected: 5 };

function bodyOf(lines: readonly PlannedLine[], deltaCents: number): PlannedInvoiceBody {
  const invoiced = lines.map((line, index) => ({ line: index, quantity: line.quantity, unitPriceCents: Math.round(line.unitPrice * 100) + (index === 0 ? deltaCents : 0) }));
  const amounts = invoiced.map((line) => line.quantity * line.unitPriceCents);
  const taxCents = amounts.reduce((sum, amount) => sum + taxOf(amount), 0);
  return { lines: invoiced, taxCents, totalCents: amounts.reduce((sum, amount) => sum + amount, 0) + taxCents };
}

/**
 * Plans the invoicing of the `ordinal`-th order. `taken` holds the invoice
 * totals already planned per supplier: the match holds an invoice of the same
 * supplier and total dated within three days as a possible duplicate, so each
 * total is kept unique (order totals are, by the requisition's index; a
 * variance is nudged by a few cents). A variance is a whole multiple of 20
 * cents over the line (its tax is exact) but never a whole amount (so its
 * total differs from every exact one).
 */
export function planInvoicing(ordinal: number, lines: readonly PlannedLine[], taken: Set<number>, discountPercent: number): PlannedInvoicing {
  const variant = variantCycle[ordinal % variantCycle.length]!;
  const payment = ordinal % 7 === 3 ? 'single' : 'run';
  const exact = bodyOf(lines, 0);
  let deltaCents = 0;
  if (variant !== 'exact' && variant !== 'early') {
    const first = lines[0]!;
    const upper4 = upperLimit4(Math.round(first.unitPrice * 100));
    deltaCents = Math.ceil((overTolerance[variant] * upper4) / 100);
    while ((first.quantity * deltaCents) % 20 !== 0 || (first.quantity * deltaCents) % 100 === 0 || taken.has(bodyOf(lines, deltaCents).totalCents)) deltaCents += 1;
    const perUnit4 = deltaCents * 100;
    // Accepting above twice the tolerance needs the procurement manager; below it accounting alone decides.
    const band = variant === 'variance' || variant === 'creditNote' ? perUnit4 > upper4 && perUnit4 <= 2 * upper4 : perUnit4 > 2 * upper4;
    if (!band) throw new Error(`invoice plan ${ordinal}: a variance of ${deltaCents} cents is outside the ${variant} band (tolerance ${upper4 / 10_000})`);
  }
  const invoice = bodyOf(lines, deltaCents);
  taken.add(invoice.totalCents);
  taken.add(exact.totalCents);
  const documents: PlannedInvoicing['documents'] = { invoice };
  if (variant === 'creditNote') {
    // A price credit on line 1: its quantity, the variance per unit negative, its tax.
    const creditCents = -lines[0]!.quantity * deltaCents;
    documents.creditNote = { lines: [{ line: 0, quantity: lines[0]!.quantity, unitPriceCents: -deltaCents }], taxCents: taxOf(creditCents), totalCents: creditCents + taxOf(creditCents) };
  }
  if (variant === 'rejected') documents.corrected = exact;
  const netCents = variant === 'variance' || variant === 'varianceAboveTwice' ? invoice.totalCents : exact.totalCents;
  // The discount on the net total, half away from zero (domain paymentDates); a run and a single payment both take it.
  const paidCents = netCents - Math.round((netCents * discountPercent) / 100);
  return { variant, deltaCents, documents, netCents, paidCents, paidDocument: variant === 'rejected' ? 'corrected' : 'invoice', payment, approval: netCents > AUTO_APPROVE_LIMIT };
}

const onInvoice = (by: Person, taskKind: TaskKind, action: TaskAction, on: 'invoice' | 'corrected', comment?: string): Step => ({ kind: 'decide', by, taskKind, action, on, ...(comment ? { comment } : {}) });

/** The people's steps of an order's invoicing, after its receipt (an early invoice: before it). */
export function invoiceSteps(invoicing: PlannedInvoicing): { beforeReceipt: Step[]; afterReceipt: Step[] } {
  const enter = (document: InvoiceDocument): Step => ({ kind: 'enterInvoice', by: 'accountant', document });
  const exception = (action: TaskAction, comment: string) => onInvoice('payables', 'invoice_exception', action, 'invoice', comment);
  const approval = invoicing.approval ? [onInvoice('payables', 'invoice_approval', 'approve', invoicing.paidDocument)] : [];
  const pay: Step = { kind: 'pay', by: 'accountant', how: invoicing.payment };
  switch (invoicing.variant) {
    case 'exact':
      return { beforeReceipt: [], afterReceipt: [enter('invoice'), ...approval, pay] };
    case 'early':
      return { beforeReceipt: [enter('invoice')], afterReceipt: [...approval, pay] };
    case 'variance':
      return { beforeReceipt: [], afterReceipt: [enter('invoice'), exception('accept_variance', 'chaos: price rise agreed by phone'), ...approval, pay] };
    case 'varianceAboveTwice':
      return { beforeReceipt: [], afterReceipt: [enter('invoice'), exception('accept_variance', 'chaos: new price list'), onInvoice('procurement_manager', 'invoice_variance_approval', 'approve', 'invoice'), ...approval, pay] };
    case 'creditNote':
      return { beforeReceipt: [], afterReceipt: [enter('invoice'), exception('request_credit_note', 'chaos: please credit the difference to the PO price'), enter('creditNote'), ...approval, pay] };
    case 'rejected':
      return { beforeReceipt: [], afterReceipt: [enter('invoice'), exception('reject', 'chaos: price not agreed'), enter('corrected'), ...approval, pay] };
  }
}

/** What one invoice's process must leave behind (workflows/invoice.workflow.ts, activities/invoices.ts). */
export interface ExpectedInvoice {
  document: Exclude<InvoiceDocument, 'creditNote'>;
  endStatus: 'paid' | 'rejected';
  /** Each match round's outcome, round 0 first. */
  rounds: ('matched' | 'held')[];
  tasks: Partial<Record<TaskKind, number>>;
  /** Outcomes of its tasks in the order they were decided. */
  outcomes: TaskAction[];
  /** Outbox rows of its process per template (its credit note has no process of its own). */
  mails: Record<string, number>;
  /** Audit entries about the invoice and its tasks, per action. */
  audit: Record<string, number>;
  /** Updates its run accepts: task decisions, credit notes, the payment. */
  updates: { decisions: number; creditNotes: number; payments: number };
  paidCents: number | null;
}

/**
 * Per invoice: an exact one matches in round 0; a variance is held in round
 * 0 and, once accepted, approved without another round; a credit note makes
 * round 1, and so does the receipt an early invoice waits for. Each task
 * mails its assignee; a credit-note request and a rejection mail the
 * supplier, an early invoice the buyer. Audit: entered (API), matched or held
 * per round, the decisions' facts (variance_accepted, credit_note_requested,
 * rejected), approved and paid, each of those two also a status_changed; an
 * accepted variance that still needs approval goes back to `matching` first.
 */
export function expectedInvoices(invoicing: PlannedInvoicing): ExpectedInvoice[] {
  const { variant } = invoicing;
  const approvals = invoicing.approval ? 1 : 0;
  const paid = (document: ExpectedInvoice['document'], rounds: ExpectedInvoice['rounds'], decided: { kind: TaskKind; outcome: TaskAction }[], extra: { mails?: Record<string, number>; audit?: Record<string, number>; creditNotes?: number }): ExpectedInvoice => {
    const steps = [...decided, ...(approvals ? [{ kind: 'invoice_approval' as TaskKind, outcome: 'approve' as TaskAction }] : [])];
    const tasks: Partial<Record<TaskKind, number>> = {};
    for (const step of steps) tasks[step.kind] = (tasks[step.kind] ?? 0) + 1;
    return {
      document,
      endStatus: 'paid',
      rounds,
      tasks,
      outcomes: steps.map((step) => step.outcome),
      mails: { 'task-assigned': steps.length, ...extra.mails },
      audit: {
        'invoice.entered': 1,
        'invoice.matched': rounds.filter((round) => round === 'matched').length,
        'invoice.held': rounds.filter((round) => round === 'held').length,
        'invoice.approved': 1,
        'invoice.paid': 1,
        'invoice.status_changed': 2,
        'task.created': steps.length,
        'task.completed': steps.length,
        ...extra.audit,
      },
      updates: { decisions: steps.length, creditNotes: extra.creditNotes ?? 0, payments: 1 },
      paidCents: invoicing.paidCents,
    };
  };
  const accepted = { audit: { 'invoice.variance_accepted': 1, 'invoice.matching': approvals } };
  switch (variant) {
    case 'exact':
      return [paid('invoice', ['matched'], [], {})];
    case 'early':
      return [paid('invoice', ['held', 'matched'], [], { mails: { 'invoice-on-hold': 1 } })];
    case 'variance':
      return [paid('invoice', ['held'], [{ kind: 'invoice_exception', outcome: 'accept_variance' }], accepted)];
    case 'varianceAboveTwice':
      return [paid('invoice', ['held'], [{ kind: 'invoice_exception', outcome: 'accept_variance' }, { kind: 'invoice_variance_approval', outcome: 'approve' }], accepted)];
    case 'creditNote':
      return [paid('invoice', ['held', 'matched'], [{ kind: 'invoice_exception', outcome: 'request_credit_note' }], { mails: { 'invoice-credit-note-request': 1 }, audit: { 'invoice.credit_note_requested': 1 }, creditNotes: 1 })];
    case 'rejected':
      return [
        {
          document: 'invoice',
          endStatus: 'rejected',
          rounds: ['held'],
          tasks: { invoice_exception: 1 },
          outcomes: ['reject'],
          mails: { 'task-assigned': 1, 'invoice-rejected': 1 },
          audit: { 'invoice.entered': 1, 'invoice.held': 1, 'invoice.rejected': 1, 'task.created': 1, 'task.completed': 1 },
          updates: { decisions: 1, creditNotes: 0, payments: 0 },
          paidCents: null,
        },
        paid('corrected', ['matched'], [], {}),
      ];
  }
}
