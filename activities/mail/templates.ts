import { actionDef } from '@p2p/domain/task-registry';

/**
 * The e-mails and the data each one needs. Each template is three files in
 * ./templates: `<name>.subject.hbs`, `<name>.html.hbs` (rendered inside
 * layout.html.hbs) and `<name>.text.hbs` (inside layout.text.hbs).
 *
 * Conventions: instants are ISO 8601 strings (rendered "Tue 24 Nov 2026,
 * 14:00 UTC"), amounts are decimal strings (rendered "€1,234.50"), URLs are
 * absolute (PUBLIC_URL based). Everything here is plain data, so it passes
 * through a Temporal activity call unchanged.
 *
 * The templates serve every process: what a mail is about is a MailSubject,
 * and the process's own words (its record type, facts, summary, next step)
 * arrive as data, built in one place per process (see subjects.ts). A
 * step's template never names a process, a record type or an action. The
 * purchasing mails (to suppliers, and the notices to buyers and requesters
 * from purchase-order onwards) are about orders by nature, and say so.
 */
export const mailTemplateNames = [
  'task-assigned',
  'reminder',
  'escalation',
  'decision',
  'questioned',
  'admin-alert',
  'purchase-order',
  'purchase-order-cancelled',
  'return-to-vendor',
  'goods-arrived',
  'acknowledgement-reminder',
  'supplier-response',
  'delivery-date-decision',
  'invoice-credit-note-request',
  'invoice-rejected',
  'invoice-on-hold',
] as const;

export interface MailTemplates {
  'task-assigned': TaskAssignedMail;
  reminder: ReminderMail;
  escalation: EscalationMail;
  decision: DecisionMail;
  questioned: QuestionedMail;
  'admin-alert': AdminAlertMail;
  'purchase-order': PurchaseOrderMail;
  'purchase-order-cancelled': PurchaseOrderCancelledMail;
  'return-to-vendor': ReturnToVendorMail;
  'goods-arrived': GoodsArrivedMail;
  'acknowledgement-reminder': AcknowledgementReminderMail;
  'supplier-response': SupplierResponseMail;
  'delivery-date-decision': DeliveryDateDecisionMail;
  'invoice-credit-note-request': InvoiceCreditNoteRequestMail;
  'invoice-rejected': InvoiceRejectedMail;
  'invoice-on-hold': InvoiceOnHoldMail;
}
export type MailTemplate = keyof MailTemplates;

/** The record a mail is about, whatever the process. */
export interface MailSubject {
  /** What the record is, for labels and sentences: "Requisition", "Purchase order". */
  typeLabel: string;
  number: string;
  title: string;
  /** The record's page (absolute URL). */
  url?: string | null;
  /** The details box rows after number and title, in order. */
  facts: MailFact[];
  /** One line for the preheader and the opening sentence, e.g. "Rita Reyes asks for €1,234.50" (no final full stop). */
  summary?: string | null;
}

/** One row of the details box: an amount, a date or a text, whichever is set first in that order. */
export interface MailFact {
  label: string;
  text?: string | null;
  /** decimal string */
  amount?: string | null;
  /** ISO 4217; omitted renders the bare amount. */
  currency?: string | null;
  /** ISO 8601: a day ("2026-12-15") renders as the day, an instant with its UTC time. */
  date?: string | null;
  /** Shown larger and bold in the HTML part, as the figure the reader decides on. */
  strong?: boolean;
}

export interface MailTask {
  title: string;
  /** From the task-kind registry: "Requisition approval". */
  kindLabel: string;
  businessKey: string | null;
  /** ISO 8601; null when the step has no SLA. */
  dueAt: string | null;
  /** The task in the inbox. */
  url: string;
}

/** Button colours; the registry gives an action's tone, `primary` is for a mail's single call to action. */
export type MailTone = 'positive' | 'negative' | 'neutral' | 'primary';

/** One button; `tone` picks its colour (positive green, negative red, others neutral). Build with mailActions(). */
export interface MailAction {
  action?: string;
  label: string;
  url: string;
  tone?: MailTone;
}

interface ToPerson {
  /** Greeting name of the recipient. */
  recipientName: string;
}

/** To the assignee (or their delegate): the step is waiting; one-click action links. */
export interface TaskAssignedMail extends ToPerson {
  task: MailTask;
  subject: MailSubject;
  actions: MailAction[];
  /** ISO 8601: when the action links stop working. */
  linksExpireAt?: string | null;
  /** Set when the recipient gets the task as a delegate: the absent assignee's name. */
  onBehalfOfName?: string | null;
}

/** To the assignee when half the SLA has passed. */
export interface ReminderMail extends ToPerson {
  task: MailTask;
  subject: MailSubject;
  actions: MailAction[];
  linksExpireAt?: string | null;
}

/**
 * A step moved up the chain. `new_assignee` (the default) tells the person
 * who now holds it (from whom, why, with action links); `previous_assignee`
 * tells the person it was taken from.
 */
export type EscalationMail = ToPerson & {
  task: MailTask;
  subject: MailSubject;
  /** Why, in words, e.g. "No decision within 2 business days". */
  reason: string;
  /** 1 for the first escalation of this step, 2 for the next... */
  level: number;
} & (
    | { audience?: 'new_assignee'; fromName: string; actions: MailAction[]; linksExpireAt?: string | null }
    | { audience: 'previous_assignee'; toName: string }
  );

/** To the person who raised the record: the chain finished or someone rejected. */
export interface DecisionMail extends ToPerson {
  subject: MailSubject;
  /** The outcome code, e.g. 'approved', 'rejected': picks the badge colour. */
  decision: string;
  /** The outcome in words, from the registry's `done`: "Approved". */
  decisionLabel: string;
  /** Who decided; null when nobody in particular did (e.g. an automatic outcome). */
  fromName: string | null;
  /** ISO 8601. */
  decidedAt?: string | null;
  comment: string | null;
  /** What happens now, one sentence from the process, e.g. who takes it from here. */
  nextStep?: string | null;
}

/** To the person who raised the record: the one deciding asked a question; answer or amend. */
export interface QuestionedMail extends ToPerson {
  subject: MailSubject;
  /** The requester's answer task: its url is where to answer or amend, its dueAt when. */
  task: MailTask;
  /** The question. */
  comment: string;
  /** Who asked. */
  fromName?: string | null;
  /** What an answer or an amendment leads to, one sentence from the process. */
  nextStep?: string | null;
}

/** To each admin: escalation has no level left (or nobody may take the step); somebody must step in. */
export interface AdminAlertMail extends ToPerson {
  /** The stuck step; null when no task could be created (nobody eligible). */
  task: MailTask | null;
  subject: MailSubject;
  reason: string;
  /** The escalation level reached, when escalation is what ran out. */
  level?: number | null;
  lastAssigneeName?: string | null;
}

/**
 * To a supplier's order address. A supplier has no account: these mails
 * carry no links into the app, and name the buyer to write to instead
 * (replies to the mail itself are not read).
 */
interface ToSupplier {
  /** Greeting: the supplier's name (its order contact has none of their own here). */
  supplierName: string;
  /** Our company, as the PDF's letterhead names it. */
  companyName: string;
  /** Who answers questions; null when the order has no buyer (then the company is the contact). */
  buyerName: string | null;
  buyerEmail: string | null;
}

/** One line of goods in a supplier mail: what was cancelled or is coming back. Quantities are decimal strings. */
export interface MailGoodsLine {
  description: string;
  quantity: string;
  unit: string;
}

/** To the supplier: our order, its PDF attached, and links to confirm it or propose another delivery date. */
export interface PurchaseOrderMail extends ToSupplier {
  /** Build with purchaseOrderMailSubject(), url null (the supplier cannot open the order's page). */
  subject: MailSubject;
  /** 0 for the order as first issued; N for its Nth change order (the subject says "revision N"). */
  revision: number;
  revisionReason?: string | null;
  /** Supplier links: each opens a page that asks before it changes anything. */
  confirmUrl: string;
  proposeDateUrl: string;
  /** ISO 8601 */
  linksExpireAt: string;
}

/** To the supplier: the whole order, or what was still to come of it, is cancelled. */
export interface PurchaseOrderCancelledMail extends ToSupplier {
  number: string;
  reason: string;
  /** True: the whole order (nothing was delivered); false: only the quantities still open, listed in `lines`. */
  whole: boolean;
  /** What is no longer wanted, each with the quantity cancelled. */
  lines: MailGoodsLine[];
}

/** To the supplier: goods we received are coming back. */
export interface ReturnToVendorMail extends ToSupplier {
  /** RTV-2026-00001 */
  returnNumber: string;
  purchaseOrderNumber: string;
  /** The goods receipt the goods arrived with. */
  receiptNumber: string;
  reason: string;
  lines: MailGoodsLine[];
}

/** One ordered line that arrived, as its requester sees it. Quantities are decimal strings. */
export interface ArrivedLine {
  description: string;
  unit: string;
  /** Received with this delivery (before any rejection). */
  quantityNow: string;
  /** Accepted across every delivery so far (received - rejected - returned). */
  acceptedSoFar: string;
  /** Still on order (quantity - cancelled). */
  ordered: string;
  /** Where it was put away, when the warehouse said. */
  location?: string | null;
}

/** To a requester: lines of their requisition arrived with a delivery. */
export interface GoodsArrivedMail extends ToPerson {
  receiptNumber: string;
  purchaseOrderNumber: string;
  requisitionNumber: string;
  requisitionTitle: string;
  /** The requisition's page. */
  url: string;
  lines: ArrivedLine[];
}

/** To the buyer: the supplier has not confirmed an issued order in time. */
export interface AcknowledgementReminderMail extends ToPerson {
  number: string;
  supplierName: string;
  /** For chasing them by hand. */
  supplierEmail?: string | null;
  /** ISO 8601; null if unknown. */
  issuedAt: string | null;
  /** Business days the order has waited. */
  businessDays: number;
  /** The order's page. */
  url: string;
}

/** To the buyer: the supplier confirmed the order, or proposed another delivery date (then a task asks the buyer to accept or reject it). */
export interface SupplierResponseMail extends ToPerson {
  number: string;
  supplierName: string;
  confirmed: boolean;
  /** ISO day: the delivery date on the order; null when none was set. */
  currentDate: string | null;
  /** ISO day the supplier proposes (when not confirmed). */
  proposedDate: string | null;
  /** The supplier's words. */
  comment: string | null;
  /** The order's page. */
  url: string;
}

/** To the supplier: the buyer's answer to their proposed delivery date. */
export interface DeliveryDateDecisionMail extends ToSupplier {
  number: string;
  accepted: boolean;
  /** ISO day the supplier proposed. */
  proposedDate: string;
  /** ISO day the order now carries (the proposed one when accepted, the original otherwise); null when none. */
  deliveryDate: string | null;
  /** The buyer's words. */
  comment: string | null;
}

/** One hold of an invoice, in words: "Price above tolerance" and what exactly differs. */
export interface MailInvoiceHold {
  label: string;
  detail: string;
}

/** The supplier's invoice a mail is about, as the supplier wrote it. */
interface InvoiceFacts {
  /** The supplier's own invoice number. */
  invoiceNumber: string;
  /** ISO day. */
  invoiceDate: string;
  purchaseOrderNumber: string;
  /** decimal string */
  total: string;
  currency: string;
  /** What did not match, each named. */
  holds: MailInvoiceHold[];
}

/** To the supplier: accounting asks for a credit note to correct the invoice (it stays unpaid until then). */
export interface InvoiceCreditNoteRequestMail extends ToSupplier, InvoiceFacts {
  /** The accountant's words: what the credit note should cover. */
  reason: string;
}

/** To the supplier: the invoice is rejected and will not be paid. */
export interface InvoiceRejectedMail extends ToSupplier, InvoiceFacts {
  reason: string;
}

/** To the buyer of the order: an invoice waits for goods that have not been received (a receipt releases it). */
export interface InvoiceOnHoldMail extends ToPerson, InvoiceFacts {
  supplierName: string;
  /** Days it waits before it becomes an exception for accounting. */
  waitDays: number;
  /** The invoice's page. */
  url: string;
  /** The order's page, where goods are received. */
  purchaseOrderUrl: string;
}

/** Issued links ({ action, url }) to buttons, labelled and coloured by the task kind's actions in the registry. */
export function mailActions(kind: string, links: readonly { action: string; url: string }[]): MailAction[] {
  return links.map(({ action, url }) => {
    const def = actionDef(kind, action);
    return { action, url, label: def?.label ?? action, tone: def?.tone ?? 'neutral' };
  });
}
