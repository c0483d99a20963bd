import { sleep } from '../bench/support.ts';
import type { Answer, ResilientClient } from './client.ts';
import type { Account, Chain, DriverStats } from './drivers.ts';
import type { InvoiceDocument } from './invoice-plans.ts';
import type { Person, Step } from './plans.ts';

/** A process that shows no progress for this long is reported (with what it shows), not waited for until the deadline. */
const STALL_MS = 120_000;
const DAY_MS = 86_400_000;
const money = (cents: number) => (cents / 100).toFixed(2);
const today = () => new Date().toISOString().slice(0, 10);
/** The supplier's own number of each document (unique per supplier and run). */
const suffix: Record<InvoiceDocument, string> = { invoice: '', creditNote: '-CN', corrected: '-R' };

interface InvoiceView {
  id: string;
  number: string;
  status: string;
  waitingFor: string | null;
  holdReasons: string[];
  creditNotes: { number: string; status: string }[];
  payment: { reference: string; amount: string; paymentRunId: string | null } | null;
}

/** A payment run the drivers sent, as answered. */
export interface SentPaymentRun {
  id: string;
  number: string;
  key: string;
  /** The invoices the run was asked to pay, and what it answered for each. */
  invoices: { invoiceId: string; amount: string; status: string }[];
}

/**
 * The accountant's and finance's moves on an order's invoices, over HTTP
 * through the resilient client: entering an invoice, credit note or corrected
 * invoice with an Idempotency-Key per document; paying one by one; paying in
 * one or two payment runs (the first once half of the invoices planned for a
 * run are approved, the second with all the rest), each with its own
 * Idempotency-Key. A 409 after a lost answer is believed only if the invoice
 * shows our own payment. A step waiting on the process for more than
 * STALL_MS marks the chain as an anomaly, with what the invoice shows.
 */
export function createInvoiceDrivers(options: {
  client: ResilientClient;
  accounts: Record<Person, Account>;
  runId: string;
  stats: DriverStats;
  fail: (chain: Chain, what: string, answer: Answer) => boolean;
  recordDecision: (chain: Chain) => boolean;
}) {
  const { client, accounts, runId, stats, fail, recordDecision } = options;
  const runs: SentPaymentRun[] = [];
  /** Chains whose invoice is approved and waits for a payment run. */
  const readyForRun = new Set<Chain>();
  let runInFlight = false;

  const documentOf = (chain: Chain, document: InvoiceDocument) => chain.invoices[document];
  const paidDocument = (chain: Chain) => chain.planned.order!.invoicing.paidDocument;

  async function readInvoice(chain: Chain, document: InvoiceDocument): Promise<InvoiceView | undefined> {
    const id = documentOf(chain, document)?.id;
    if (!id) return undefined;
    const answer = await client.call('GET', `/invoices/${id}`, accounts.accountant.token);
    if (answer.status !== 200) {
      fail(chain, `read invoice ${id}`, answer);
      return undefined;
    }
    return answer.body as unknown as InvoiceView;
  }

  /** An answer that proves the run wrong: the chain stops there (true: it moved, to its end). */
  const stop = (chain: Chain, anomaly: string) => {
    chain.anomaly = anomaly;
    chain.finished = true;
    return true;
  };

  /** Not there yet: true (an anomaly, the chain stops) once the wait has lasted STALL_MS; else false (look again later). */
  function stalled(chain: Chain, what: string, evidence: unknown): boolean {
    chain.waitingSince ??= Date.now();
    if (Date.now() - chain.waitingSince < STALL_MS) return false;
    return stop(chain, `${what}: no progress for ${STALL_MS / 1000} s; the process shows ${JSON.stringify(evidence).slice(0, 400)}`);
  }

  /** What a stalled step reports: the invoice as the API shows it. */
  const evidence = (view: InvoiceView | undefined) => (view ? { number: view.number, status: view.status, waitingFor: view.waitingFor, holds: view.holdReasons, creditNotes: view.creditNotes } : 'not entered');

  /**
   * Enters one document of the order's invoicing at its planned lines and
   * amounts. An early invoice waits for the order to be issued; the others
   * come after the receipt (their place in the plan) or after the decision
   * that asks for them.
   */
  async function enter(chain: Chain, step: Extract<Step, { kind: 'enterInvoice' }>): Promise<boolean> {
    const planned = chain.planned.order!.invoicing.documents[step.document]!;
    const actor = accounts[step.by];
    const read = await client.call('GET', `/purchase-orders/${chain.purchaseOrderId}`, actor.token);
    if (read.status !== 200) return fail(chain, 'read purchase order', read);
    const order = read.body as { status: string; supplierId: string; lines: { id: string; lineNo: number }[] };
    if (order.status === 'draft' || order.status === 'pending_approval') return stalled(chain, `${step.document} before its order is issued`, order.status);
    const lines = [...order.lines].sort((a, b) => a.lineNo - b.lineNo);
    const body = {
      supplierId: order.supplierId,
      invoiceNumber: `CHAOS-${runId}-${chain.planned.index}${suffix[step.document]}`,
      invoiceDate: today(),
      purchaseOrderId: chain.purchaseOrderId,
      lines: planned.lines.map((line) => ({ purchaseOrderLineId: lines[line.line]!.id, quantity: String(line.quantity), unitPrice: money(line.unitPriceCents) })),
      taxAmount: money(planned.taxCents),
      total: money(planned.totalCents),
      ...(step.document === 'creditNote' ? { creditNoteFor: documentOf(chain, 'invoice')!.id } : {}),
    };
    const kind = step.document === 'creditNote' ? 'enter credit note' : 'enter invoice';
    const answer = await client.call('POST', '/invoices', actor.token, body, { 'idempotency-key': `chaos-${runId}-${chain.planned.index}-${step.document}` }, kind);
    if (answer.attempts > 1) stats.decisionsRetried += 1;
    if (answer.status !== 201) return fail(chain, `${kind} ${body.invoiceNumber}`, answer);
    const entered = answer.body as { id: string; number: string; total: string };
    if (entered.total !== body.total) return fail(chain, `${kind} ${body.invoiceNumber} (total ${entered.total}, sent ${body.total})`, answer);
    chain.invoices[step.document] = { id: entered.id, number: entered.number, answeredAt: new Date().toISOString(), attempts: answer.attempts };
    stats.invoicesEntered += 1;
    return recordDecision(chain);
  }

  /** Before the warehouse receives an order whose invoice came first: that invoice is on hold, waiting for the goods. */
  async function earlyInvoiceHeld(chain: Chain): Promise<boolean | 'held'> {
    const view = await readInvoice(chain, 'invoice');
    if (chain.anomaly) return true;
    if (view?.status === 'on_hold') return 'held';
    return stalled(chain, 'an early invoice put on hold for its goods', evidence(view));
  }

  /** A decision on an invoice's task that is not there yet: stalled once the process shows no progress for long. */
  async function taskNotThere(chain: Chain, step: Extract<Step, { kind: 'decide' }>): Promise<boolean> {
    return stalled(chain, `${step.taskKind} task of the ${step.on}`, evidence(await readInvoice(chain, step.on === 'corrected' ? 'corrected' : 'invoice')));
  }

  /** The invoice to pay is approved (else: not yet, or stalled). */
  async function approved(chain: Chain): Promise<boolean | 'approved'> {
    const view = await readInvoice(chain, paidDocument(chain));
    if (chain.anomaly) return true;
    if (view?.status === 'approved') return 'approved';
    if (view?.status === 'paid' || view?.status === 'rejected') return stop(chain, `invoice ${view.number} ${view.status} before its planned payment: ${JSON.stringify(evidence(view))}`);
    return stalled(chain, 'the invoice approved for payment', evidence(view));
  }

  /** One by one: the open amount, today, with a reference of our own; a 409 after a lost answer is believed if the invoice shows that payment. */
  async function paySingle(chain: Chain, step: Extract<Step, { kind: 'pay' }>): Promise<boolean> {
    const ready = await approved(chain);
    if (ready !== 'approved') return ready;
    const id = documentOf(chain, paidDocument(chain))!.id;
    const body = { reference: `CHAOS-PAY-${runId}-${chain.planned.index}`, paidOn: today(), amount: money(chain.planned.order!.invoicing.paidCents) };
    const answer = await client.call('POST', `/invoices/${id}/payment`, accounts[step.by].token, body, {}, 'pay invoice');
    if (answer.attempts > 1) stats.decisionsRetried += 1;
    let view = answer.body as unknown as InvoiceView;
    if (answer.status === 409) {
      view = (await readInvoice(chain, paidDocument(chain)))!;
      if (chain.anomaly) return true;
      if (view.status !== 'paid' || view.payment?.reference !== body.reference) return fail(chain, `payment of ${view.number} (then ${JSON.stringify(evidence(view))})`, answer);
      stats.conflictsVerifiedAsOurs += 1;
    } else if (answer.status !== 200 || view.status !== 'paid') {
      return fail(chain, `payment of invoice ${id}`, answer);
    }
    chain.payment = { runId: null, reference: body.reference, amount: body.amount };
    stats.paidSingly += 1;
    return recordDecision(chain);
  }

  /** Chains planned to be paid in a run that are not paid yet (and still going). */
  const waitingForRun = (chains: Chain[]) => chains.filter((chain) => chain.planned.order?.invoicing.payment === 'run' && !chain.payment && !chain.finished);

  /**
   * Paid in a run: once approved, the chain waits for one. The first run goes
   * when half of the run-paid invoices are ready, the second when every
   * remaining one is; the run is answered with each invoice's status, and an
   * invoice still approved after it is an anomaly (the run did not pay it).
   */
  async function payInRun(chain: Chain, step: Extract<Step, { kind: 'pay' }>, chains: Chain[]): Promise<boolean> {
    if (chain.payment) return recordDecision(chain);
    if (!readyForRun.has(chain)) {
      const ready = await approved(chain);
      if (ready !== 'approved') return ready;
      readyForRun.add(chain);
    }
    const planned = chains.filter((one) => one.planned.order?.invoicing.payment === 'run').length;
    const remaining = waitingForRun(chains).length;
    const due = runs.length === 0 ? readyForRun.size >= Math.ceil(planned / 2) || readyForRun.size >= remaining : readyForRun.size >= remaining;
    if (runInFlight || !due) return false;
    runInFlight = true;
    try {
      await sendRun([...readyForRun], step.by);
    } finally {
      runInFlight = false;
    }
    return chain.payment ? recordDecision(chain) : chain.finished;
  }

  /**
   * Sends one run. The API documents that a retry with the same key pays
   * what the first attempt did not reach: a run answered with an invoice
   * still unpaid is sent again (a few times), and an invoice it still does
   * not pay is an anomaly, with the answers as evidence.
   */
  async function sendRun(included: Chain[], by: Person): Promise<void> {
    const number = runs.length + 1;
    const key = `chaos-${runId}-payment-run-${number}`;
    const idOf = (chain: Chain) => documentOf(chain, paidDocument(chain))!.id;
    const body = { dueBy: new Date(Date.now() + 90 * DAY_MS).toISOString().slice(0, 10), invoiceIds: included.map(idOf), paidOn: today(), reference: `CHAOS-RUN-${runId}-${number}` };
    type RunAnswer = { id: string; number: string; invoices: { invoiceId: string; number: string; amount: string; status: string }[] };
    const unpaid = (answer: Answer) => (answer.body as RunAnswer).invoices.filter((item) => item.status !== 'paid');
    let answer = await client.call('POST', '/payment-runs', accounts[by].token, body, { 'idempotency-key': key }, 'payment run');
    if (answer.attempts > 1) stats.decisionsRetried += 1;
    const retries: string[] = [];
    for (let retry = 1; answer.status === 201 && unpaid(answer).length > 0 && retry <= 3; retry += 1) {
      await sleep(2_000);
      answer = await client.call('POST', '/payment-runs', accounts[by].token, body, { 'idempotency-key': key }, 'payment run');
      retries.push(`retry ${retry}: ${answer.status}${answer.headers.get('idempotent-replayed') === 'true' ? ' (Idempotent-Replayed: true)' : ''}, ${answer.status === 201 ? `${unpaid(answer).length} unpaid` : JSON.stringify(answer.body).slice(0, 200)}`);
    }
    for (const chain of included) readyForRun.delete(chain);
    if (answer.status !== 201) {
      for (const chain of included) fail(chain, `payment run ${number}${retries.length ? ` (${retries.join('; ')})` : ''}`, answer);
      return;
    }
    const run = answer.body as RunAnswer;
    runs.push({ id: run.id, number: run.number, key, invoices: run.invoices.map((item) => ({ invoiceId: item.invoiceId, amount: item.amount, status: item.status })) });
    for (const chain of included) {
      const item = run.invoices.find((candidate) => candidate.invoiceId === idOf(chain));
      if (item?.status !== 'paid') {
        stop(chain, `payment run ${run.number} answered 201 with invoice ${item?.number ?? idOf(chain)} ${item?.status ?? 'missing'}, not paid${retries.length ? `; sent again with the same Idempotency-Key: ${retries.join('; ')}` : ''}`);
        continue;
      }
      chain.payment = { runId: run.id, reference: body.reference, amount: item.amount };
      stats.paidInRuns += 1;
    }
  }

  function pay(chain: Chain, step: Extract<Step, { kind: 'pay' }>, chains: Chain[]): Promise<boolean> {
    return step.how === 'single' ? paySingle(chain, step) : payInRun(chain, step, chains);
  }

  return { enter, earlyInvoiceHeld, taskNotThere, pay, runs };
}

export type InvoiceDrivers = ReturnType<typeof createInvoiceDrivers>;
