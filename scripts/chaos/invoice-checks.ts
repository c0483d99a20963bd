import type { Client } from '@temporalio/client';
import { inArray } from 'drizzle-orm';
import { messageIdFor } from '../../activities/mail/mailer.ts';
import type { Database } from '../../db/client.ts';
import { auditLog, invoiceHolds, invoiceLines, invoiceMatches, invoicePayments, invoices, paymentRunItems, paymentRuns, type tasks } from '../../db/schema/index.ts';
import { invoiceState, type InvoiceState } from '../../workflows/invoice.workflow.ts';
import { searchKeys } from '../../workflows/search-attributes.ts';
import { groupBy, numberChecks, sameCounts, sum, tally, type AddCheck } from './counting.ts';
import type { Chain } from './drivers.ts';
import type { SentPaymentRun } from './invoice-drivers.ts';
import { expectedInvoices, type ExpectedInvoice, type PlannedInvoiceBody } from './invoice-plans.ts';

/** Invoice actions that happen at most once per subject (checks.ts counts a second one as a duplicate). */
export const invoiceOnceActions = [
  'invoice.entered',
  'credit_note.entered',
  'invoice.variance_accepted',
  'invoice.credit_note_requested',
  'invoice.matching',
  'invoice.approved',
  'invoice.rejected',
  'invoice.paid',
  'payment_run.created',
  'purchase_order.closed',
  'requisition.closed',
];

const cents = (value: string) => Math.round(Number(value) * 100);

/** One planned invoice of one chain, with what the run left of it. */
interface InvoiceCase {
  chain: Chain;
  expected: ExpectedInvoice;
  id: string | undefined;
}

/**
 * The invoices' rows of the check table: every order's invoice (and its
 * credit note or corrected invoice) entered once, numbered INV-/CN- without a
 * gap, at its planned amounts and end (paid or rejected, a credit note with
 * its invoice); each match round written once, rounds 0..n without a gap,
 * one matched/held audit entry per round; each decision, mail and audit
 * entry once; each payment once (one payments row, one `invoice.paid`, the
 * planned amount, reference and run); supplier mails delivered once over
 * SMTP; the runs completed with their planned result, each payment and
 * credit note Update accepted once.
 */
export async function checkInvoices(params: {
  db: Database;
  temporal: Client;
  chains: Chain[];
  supplierIds: readonly string[];
  paymentRuns: SentPaymentRun[];
  executions: { type: string; status: string }[];
  taskRows: (typeof tasks.$inferSelect)[];
  mailRows: { key: string; template: string; processId: string | null }[];
  auditRows: { action: string; subjectType: string; subjectId: string; at: Date }[];
  /** Message-ID -> how often the SMTP sink received it. */
  received: Map<string, number>;
  add: AddCheck;
  findings: string[];
}) {
  const { db, temporal, add, findings } = params;
  const ordering = params.chains.filter((chain) => chain.planned.order);
  const cases: InvoiceCase[] = ordering.flatMap((chain) => expectedInvoices(chain.planned.order!.invoicing).map((expected) => ({ chain, expected, id: chain.invoices[expected.document]?.id })));
  const creditNoteChains = ordering.filter((chain) => chain.planned.order!.invoicing.documents.creditNote);
  const paidCases = cases.filter((one) => one.expected.endStatus === 'paid');
  const rejectedCases = cases.filter((one) => one.expected.endStatus === 'rejected');

  // Entry: one row per planned document, numbered without a gap, at the planned lines and amounts.
  const rows = await db.select().from(invoices);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const invoiceRows = rows.filter((row) => row.kind === 'invoice');
  const creditRows = rows.filter((row) => row.kind === 'credit_note');
  add(`invoices entered (${ordering.length} orders' and ${rejectedCases.length} corrected after a rejection)`, cases.length, invoiceRows.length);
  add('credit notes entered (one per credit-note request)', creditNoteChains.length, creditRows.length);
  numberChecks(add, 'INV', invoiceRows.map((row) => row.number), cases.length);
  numberChecks(add, 'CN', creditRows.map((row) => row.number), creditNoteChains.length);
  const lineRows = rows.length ? await db.select().from(invoiceLines).where(inArray(invoiceLines.invoiceId, rows.map((row) => row.id))) : [];
  const linesOf = groupBy(lineRows, (row) => row.invoiceId);
  const asPlanned = (chain: Chain, id: string | undefined, planned: PlannedInvoiceBody) => {
    const row = id ? byId.get(id) : undefined;
    if (!row) return false;
    const lines = (linesOf.get(row.id) ?? []).sort((a, b) => a.lineNo - b.lineNo);
    return (
      row.purchaseOrderId === chain.purchaseOrderId &&
      row.supplierId === params.supplierIds[chain.planned.supplierSlot] &&
      cents(row.total) === planned.totalCents &&
      cents(row.taxAmount) === planned.taxCents &&
      lines.length === planned.lines.length &&
      lines.every((line, index) => Number(line.quantity) === planned.lines[index]!.quantity && cents(line.unitPrice) === planned.lines[index]!.unitPriceCents)
    );
  };
  const documents = ordering.flatMap((chain) => Object.entries(chain.planned.order!.invoicing.documents).map(([document, planned]) => ({ chain, document: document as keyof Chain['invoices'], planned: planned })));
  add('invoices and credit notes the drivers were answered with, at their order, supplier, lines and amounts', documents.length, documents.filter(({ chain, document, planned }) => asPlanned(chain, chain.invoices[document]?.id, planned)).length);

  // End: paid or rejected as planned; a credit note follows its invoice.
  const atEnd = cases.filter((one) => one.id && byId.get(one.id)?.status === one.expected.endStatus).length;
  add(`invoices at their planned end (${paidCases.length} paid, ${rejectedCases.length} rejected)`, cases.length, atEnd);
  add('credit notes paid with the invoice they correct', creditNoteChains.length, creditNoteChains.filter((chain) => byId.get(chain.invoices.creditNote?.id ?? '')?.status === 'paid' && byId.get(chain.invoices.creditNote?.id ?? '')?.creditForId === chain.invoices.invoice?.id).length);
  const openHolds = (await db.select({ id: invoiceHolds.id, releasedAt: invoiceHolds.releasedAt }).from(invoiceHolds)).filter((hold) => !hold.releasedAt).length;
  add('invoice holds left open', 0, openHolds);

  // Match rounds: 0..n without a gap, each as planned (held until the last), and one audit entry per round.
  const matchRows = await db.select({ invoiceId: invoiceMatches.invoiceId, round: invoiceMatches.round, matched: invoiceMatches.matched, trigger: invoiceMatches.trigger, matchedAt: invoiceMatches.matchedAt }).from(invoiceMatches);
  const roundsOf = groupBy(matchRows, (row) => row.invoiceId);
  const contiguous = invoiceRows.filter((row) => (roundsOf.get(row.id) ?? []).map((round) => round.round).sort((a, b) => a - b).every((round, index) => round === index) && roundsOf.has(row.id)).length;
  add('invoices whose match rounds are 0..n without a gap', invoiceRows.length, contiguous);
  const roundsAsPlanned = cases.filter((one) => {
    const rounds = (roundsOf.get(one.id ?? '') ?? []).sort((a, b) => a.round - b.round);
    if (JSON.stringify(rounds.map((round) => (round.matched ? 'matched' : 'held'))) === JSON.stringify(one.expected.rounds)) return true;
    findings.push(`invoice ${one.id ? byId.get(one.id)?.number : '(not entered)'} of requisition #${one.chain.planned.index} (${one.chain.planned.order!.invoicing.variant}): rounds ${rounds.map((round) => `${round.round} ${round.matched ? 'matched' : 'held'} (${round.trigger})`).join(', ') || 'none'}, planned ${one.expected.rounds.join(', ')}`);
    return false;
  }).length;
  add('invoices matched in the planned rounds (held, then matched on the receipt or credit note)', cases.length, roundsAsPlanned);
  const matchAudit = await db.select({ subjectId: auditLog.subjectId, action: auditLog.action, after: auditLog.after }).from(auditLog).where(inArray(auditLog.action, ['invoice.matched', 'invoice.held']));
  const perRound = tally(matchAudit, (row) => `${row.subjectId} ${(row.after as { round?: number } | null)?.round}`);
  const roundKeys = new Set(matchRows.map((row) => `${row.invoiceId} ${row.round}`));
  const onceEach = [...roundKeys].filter((key) => perRound.get(key) === 1).length;
  add("one 'invoice.matched' or 'invoice.held' audit entry per (invoice, round)", matchRows.length, matchAudit.length, matchAudit.length === matchRows.length && onceEach === roundKeys.size);
  for (const [key, count] of perRound) if (count !== 1 || !roundKeys.has(key)) findings.push(`match audit of (invoice, round) ${key}: ${count} entries${roundKeys.has(key) ? '' : ', no such round'}`);

  // People's steps on invoices: the planned tasks per kind, decided in order.
  const invoiceTasks = params.taskRows.filter((row) => row.subjectType === 'Invoice');
  const tasksOf = groupBy(invoiceTasks, (row) => row.subjectId);
  add('tasks on invoices (exceptions, variance and payment approvals)', sum(cases.map((one) => sum(Object.values(one.expected.tasks).map(Number)))), invoiceTasks.length);
  add(
    'invoices with exactly their planned tasks, decided in order',
    cases.length,
    cases.filter((one) => {
      const taskList = (tasksOf.get(one.id ?? '') ?? []).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      return sameCounts(one.expected.tasks, tally(taskList, (row) => row.kind)) && JSON.stringify(taskList.map((row) => row.outcome)) === JSON.stringify(one.expected.outcomes);
    }).length,
  );

  // Mails: per invoice process, the planned ones; the supplier's (credit-note requests, rejections) each received once over SMTP.
  const mailsOf = groupBy(params.mailRows, (row) => row.processId ?? '');
  add('invoices with exactly their planned mails per template', cases.length, cases.filter((one) => sameCounts(one.expected.mails, tally(mailsOf.get(one.id ? byId.get(one.id)!.workflowId : '') ?? [], (row) => row.template))).length);
  for (const [template, planned, to] of [
    ['invoice-credit-note-request', creditNoteChains.length, 'to suppliers'],
    ['invoice-rejected', rejectedCases.length, 'to suppliers'],
    ['invoice-on-hold', cases.filter((one) => one.expected.mails['invoice-on-hold']).length, 'to the buyer'],
  ] as const) {
    const sent = params.mailRows.filter((row) => row.template === template);
    const once = sent.filter((row) => params.received.get(messageIdFor(row.key)) === 1).length;
    add(`'${template}' mails ${to}, each received once over SMTP`, planned, once, sent.length === planned && once === planned);
  }

  // Audit: per invoice (and its tasks) the planned entries; one 'credit_note.entered' per credit note.
  const invoiceOfTask = new Map(invoiceTasks.map((row) => [row.id, row.subjectId]));
  const invoiceAudit = params.auditRows
    .map((row) => ({ ...row, invoiceId: row.subjectType === 'Invoice' ? row.subjectId : row.subjectType === 'Task' ? invoiceOfTask.get(row.subjectId) : undefined }))
    .filter((row): row is typeof row & { invoiceId: string } => row.invoiceId !== undefined);
  const auditOf = groupBy(invoiceAudit, (row) => row.invoiceId);
  add('audit entries of invoices, credit notes and their tasks', sum(cases.map((one) => sum(Object.values(one.expected.audit)))) + creditNoteChains.length, invoiceAudit.length);
  const auditAsPlanned = cases.filter((one) => {
    const actual = tally(auditOf.get(one.id ?? '') ?? [], (row) => row.action);
    if (sameCounts(one.expected.audit, actual)) return true;
    const off = [...new Set([...Object.keys(one.expected.audit), ...actual.keys()])].filter((action) => (one.expected.audit[action] ?? 0) !== (actual.get(action) ?? 0));
    findings.push(`invoice ${one.id ? byId.get(one.id)?.number : '(not entered)'} of requisition #${one.chain.planned.index} (${one.chain.planned.order!.invoicing.variant}): ${off.map((action) => `${action} ${actual.get(action) ?? 0} (planned ${one.expected.audit[action] ?? 0})`).join(', ')}`);
    return false;
  }).length;
  add('invoices with exactly their planned audit entries (entered, rounds, decisions, approved, paid)', cases.length, auditAsPlanned);
  add("credit notes with one 'credit_note.entered' entry", creditNoteChains.length, creditNoteChains.filter((chain) => (auditOf.get(chain.invoices.creditNote?.id ?? '') ?? []).filter((row) => row.action === 'credit_note.entered').length === 1).length);

  // Payments: one row per paid invoice at the planned amount, reference and run; one 'invoice.paid' each; runs numbered without a gap.
  const payments = await db.select().from(invoicePayments);
  const paymentOf = new Map(payments.map((row) => [row.invoiceId, row]));
  add('payments recorded (one per paid invoice, none of a rejected one)', paidCases.length, payments.length, payments.length === paidCases.length && paidCases.every((one) => paymentOf.has(one.id ?? '')));
  const paidAsPlanned = paidCases.filter((one) => {
    const payment = paymentOf.get(one.id ?? '');
    const answered = one.chain.payment;
    return payment && answered && cents(payment.amount) === one.expected.paidCents && payment.reference === answered.reference && payment.paymentRunId === answered.runId;
  }).length;
  add('payments at the planned amount (net of credit notes), with the reference and run the drivers were answered', paidCases.length, paidAsPlanned);
  const paidEntries = params.auditRows.filter((row) => row.action === 'invoice.paid');
  add("'invoice.paid' audit entries (one per paid invoice)", paidCases.length, paidEntries.length, paidEntries.length === paidCases.length && new Set(paidEntries.map((row) => row.subjectId)).size === paidCases.length);
  const runRows = await db.select().from(paymentRuns);
  const itemRows = await db.select().from(paymentRunItems);
  const plannedInRuns = paidCases.filter((one) => one.chain.planned.order!.invoicing.payment === 'run');
  add(`payment runs (${params.paymentRuns.map((run) => `${run.invoices.length} invoices`).join(' and ') || 'none'}), one per run sent`, params.paymentRuns.length, runRows.length, runRows.length === params.paymentRuns.length && params.paymentRuns.every((run) => runRows.some((row) => row.id === run.id && row.number === run.number && row.count === run.invoices.length)));
  numberChecks(add, 'PAY', runRows.map((row) => row.number), params.paymentRuns.length);
  const itemsOf = tally(itemRows, (row) => row.invoiceId);
  add('invoices paid in a run, each in exactly one run', plannedInRuns.length, plannedInRuns.filter((one) => itemsOf.get(one.id ?? '') === 1 && paymentOf.get(one.id ?? '')?.paymentRunId !== null).length, itemRows.length === plannedInRuns.length && plannedInRuns.every((one) => itemsOf.get(one.id ?? '') === 1));
  add('invoices paid one by one (no run)', paidCases.length - plannedInRuns.length, payments.filter((row) => row.paymentRunId === null).length);
  add("'payment_run.created' audit entries (one per run)", runRows.length, params.auditRows.filter((row) => row.action === 'payment_run.created').length);
  const runNumber = new Map(runRows.map((row) => [row.id, row.number]));
  for (const item of itemRows.filter((row) => !paymentOf.has(row.invoiceId))) {
    const invoice = byId.get(item.invoiceId);
    const run = runRows.find((row) => row.id === item.runId);
    findings.push(`payment run ${runNumber.get(item.runId)} (created ${run?.createdAt.toISOString()}) lists invoice ${invoice?.number} (${item.amount}) but no payment of it is recorded: the invoice is ${invoice?.status}, its run ${invoice?.workflowId} still waits for a payment`);
  }

  // Temporal: one completed run per invoice with its planned result; payment and credit-note Updates accepted once each.
  const invoiceRuns = tally(params.executions.filter((execution) => execution.type === 'invoiceWorkflow'), (execution) => execution.status);
  add('Temporal: invoice workflows completed', cases.length, invoiceRuns.get('COMPLETED') ?? 0);
  add('Temporal: invoice workflows running, failed, terminated, cancelled or timed out', 0, sum([...invoiceRuns].filter(([status]) => status !== 'COMPLETED').map(([, count]) => count)));
  let results = 0;
  let agreeing = 0;
  let numbered = 0;
  let decisionsOnce = 0;
  let paymentUpdates = 0;
  let creditNoteUpdates = 0;
  let businessOnce = 0;
  for (const one of cases) {
    const row = one.id ? byId.get(one.id) : undefined;
    if (!row) continue;
    const handle = temporal.workflow.getHandle(row.workflowId);
    const description = await handle.describe();
    if (description.typedSearchAttributes.get(searchKeys.documentNumber) === row.number) numbered += 1;
    // What the run holds (its result, or its state while it runs) against the invoice's row: the row is the process's projection.
    const state = description.status.name === 'COMPLETED' ? ((await handle.result()) as InvoiceState) : description.status.name === 'RUNNING' ? await handle.query(invoiceState) : null;
    if (description.status.name === 'COMPLETED' && state?.status === one.expected.endStatus) results += 1;
    if (state?.status === row.status) agreeing += 1;
    else findings.push(`invoice ${row.number}: its row says ${row.status}, its run ${row.workflowId} (${description.status.name}) says ${state ? `${state.status}, round ${state.round}, waiting for ${state.waitingFor ?? 'nothing'}` : 'nothing'}; match rounds ${(roundsOf.get(row.id) ?? []).sort((a, b) => a.round - b.round).map((round) => `${round.round} ${round.matched ? 'matched' : 'held'} (${round.trigger}) at ${round.matchedAt.toISOString()}`).join(', ')}`);
    const history = await handle.fetchHistory();
    const accepted = (history.events ?? []).flatMap((event) => (event.workflowExecutionUpdateAcceptedEventAttributes ? [event.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.meta?.updateId ?? ''] : []));
    const paymentsAccepted = accepted.filter((id) => id.startsWith('payment:'));
    const creditNotesAccepted = accepted.filter((id) => id.startsWith('credit-note:'));
    const decisions = accepted.filter((id) => !id.startsWith('payment:') && !id.startsWith('credit-note:') && !id.includes(':claim:'));
    paymentUpdates += paymentsAccepted.length;
    creditNoteUpdates += creditNotesAccepted.length;
    if (paymentsAccepted.length === one.expected.updates.payments && creditNotesAccepted.length === one.expected.updates.creditNotes && new Set(accepted).size === accepted.length) businessOnce += 1;
    if (decisions.length === one.expected.updates.decisions) decisionsOnce += 1;
    // The evidence for a credit note or payment the run never heard of: what the rows say, when the drivers were answered, what the run accepted.
    const creditNote = one.expected.updates.creditNotes ? one.chain.invoices.creditNote : undefined;
    if (creditNote && !creditNotesAccepted.includes(`credit-note:${creditNote.id}`)) {
      const note = byId.get(creditNote.id);
      findings.push(`credit note ${creditNote.number} (created ${note?.createdAt.toISOString()}, status ${note?.status}; its 201 answered at ${creditNote.answeredAt} after ${creditNote.attempts} attempt(s)) never reached invoice ${row.number}'s run ${row.workflowId}: it accepted no creditNoteReceived Update for it (accepted: ${accepted.join(', ') || 'none'}); the invoice is ${row.status}, run ${description.status.name}`);
    }
    if (one.expected.updates.payments && paymentsAccepted.length === 0) findings.push(`invoice ${row.number} (${row.status}): its run ${row.workflowId} (${description.status.name}) accepted no payment Update (accepted: ${accepted.join(', ') || 'none'})`);
  }
  const plannedPayments = sum(cases.map((one) => one.expected.updates.payments));
  const plannedCreditNotes = sum(cases.map((one) => one.expected.updates.creditNotes));
  add('Temporal: invoice workflow results at the planned status', cases.length, results);
  add("Temporal: invoice runs whose state agrees with the invoice's row", cases.length, agreeing);
  add('Temporal: DocumentNumber = the INV number', cases.length, numbered);
  add('Temporal: recordPayment Updates accepted (one per paid invoice)', plannedPayments, paymentUpdates, paymentUpdates === plannedPayments && businessOnce === cases.length);
  add('Temporal: creditNoteReceived Updates accepted (one per credit note)', plannedCreditNotes, creditNoteUpdates, creditNoteUpdates === plannedCreditNotes && businessOnce === cases.length);
  add('Temporal: invoices whose task decisions were accepted once each', cases.length, decisionsOnce);

  return {
    invoices: invoiceRows.length,
    creditNotes: creditRows.length,
    byStatus: Object.fromEntries(tally(rows, (row) => `${row.kind} ${row.status}`)),
    byVariant: Object.fromEntries(tally(ordering, (chain) => chain.planned.order!.invoicing.variant)),
    matchRounds: matchRows.length,
    tasks: invoiceTasks.length,
    payments: payments.length,
    paidInRuns: payments.filter((row) => row.paymentRunId !== null).length,
    paidSingly: payments.filter((row) => row.paymentRunId === null).length,
    paymentRuns: runRows.map((row) => ({ number: row.number, count: row.count, total: row.total })),
    paymentUpdates,
    creditNoteUpdates,
  };
}
