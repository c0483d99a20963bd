import { sleep } from '../bench/support.ts';
import type { Answer, ResilientClient } from './client.ts';
import { createInvoiceDrivers } from './invoice-drivers.ts';
import type { InvoiceDocument } from './invoice-plans.ts';
import type { Person, PlannedRequisition, Step } from './plans.ts';

export interface Account {
  token: string;
  userId: string;
}

/** One requisition (and, once approved, its purchase order and that order's invoices) as the drivers move it along its plan. */
export interface Chain {
  planned: PlannedRequisition;
  id?: string;
  number?: string;
  workflowId?: string;
  /** The order its approval made, once the buyer found it. */
  purchaseOrderId?: string;
  /** The warehouse's receipt number, once answered. */
  receiptNumber?: string;
  /** The order's invoice documents, as the API answered their entry (when, after how many attempts: evidence for a failed check). */
  invoices: Partial<Record<InvoiceDocument, { id: string; number: string; answeredAt: string; attempts: number }>>;
  /** How its invoice was paid, once answered (runId null: one by one). */
  payment?: { runId: string | null; reference: string; amount: string };
  /** When the current step first found the process not there yet (invoice steps report a process that stalls). */
  waitingSince?: number;
  /** Index of the next step of the plan. */
  next: number;
  /** Tasks this chain already decided: the next step waits for a different one. */
  decidedTaskIds: Set<string>;
  /** Not before this time (ms) when the last look found nothing to act on yet. */
  notBefore: number;
  /** Created only once this many decisions are made (spreads submissions over the kills); 0 for the rest. */
  startAfterDecisions: number;
  finished: boolean;
  /** Set when an answer proved the run wrong (not an outage): the chain stops there. */
  anomaly?: string;
}

export interface DriverStats {
  decisions: number;
  /** A decision answered 409/404 after an attempt whose answer was lost, and the task showed our outcome. */
  conflictsVerifiedAsOurs: number;
  /** Decisions (and withdrawals) answered only on a later attempt: an outage cut the first one off. */
  decisionsRetried: number;
  created: number;
  submitted: number;
  /** Orders the buyer prepared and the warehouse received (answered). */
  ordersPrepared: number;
  receipts: number;
  /** Invoices, credit notes and corrected invoices entered; invoices paid one by one and in runs (answered). */
  invoicesEntered: number;
  paidSingly: number;
  paidInRuns: number;
  /** Inbox or requisition reads that found the next step not there yet. */
  notReadyPolls: number;
}

const requisitionBody = (chain: Chain, supplierIds: readonly string[]) => ({
  title: `Chaos ${chain.planned.index}: ${chain.planned.plan.name}`,
  purpose: 'daily_operations',
  lines: chain.planned.lines.map((line) => ({ description: line.item, quantity: String(line.quantity), unit: line.unit, unitPrice: line.unitPrice.toFixed(2), supplierId: supplierIds[chain.planned.supplierSlot] })),
});

interface TaskItem {
  id: string;
  kind: string;
  assigneeId: string | null;
  details?: { lines?: { lineId: string; unitPrice: string }[] };
}

/**
 * Drives every chain through its plan over HTTP with `concurrency` clients
 * that take whichever chain has a step ready, so all of them are mid-chain
 * at once. Client calls outlive outages (see client.ts); an answer that is
 * not explained by an outage marks the chain as an anomaly.
 */
export function createDrivers(options: { client: ResilientClient; accounts: Record<Person, Account>; supplierIds: readonly string[]; runId: string }) {
  const { client, accounts, runId } = options;
  /** Tasks whose completion request is under way. */
  const decisionsInFlight = new Set<string>();
  const stats: DriverStats = { decisions: 0, conflictsVerifiedAsOurs: 0, decisionsRetried: 0, created: 0, submitted: 0, ordersPrepared: 0, receipts: 0, invoicesEntered: 0, paidSingly: 0, paidInRuns: 0, notReadyPolls: 0 };
  /** Every chain of the run: payment runs gather the approved invoices of many. */
  let everyChain: Chain[] = [];

  const fail = (chain: Chain, what: string, answer: Answer) => {
    chain.anomaly = `${what} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`;
    chain.finished = true;
    return true;
  };

  /** Create and submit, each with its own Idempotency-Key so a retry after a lost answer replays instead of repeating. */
  async function createAndSubmit(chain: Chain): Promise<boolean> {
    const requester = accounts[chain.planned.requester];
    if (!chain.id) {
      const created = await client.call('POST', '/requisitions', requester.token, requisitionBody(chain, options.supplierIds), { 'idempotency-key': `chaos-${runId}-${chain.planned.index}-create` });
      if (created.status !== 201) return fail(chain, 'create', created);
      chain.id = created.body.id as string;
      stats.created += 1;
    }
    const submitted = await client.call('POST', `/requisitions/${chain.id}/submit`, requester.token, undefined, { 'idempotency-key': `chaos-${runId}-${chain.planned.index}-submit` });
    if (submitted.status !== 202) return fail(chain, 'submit', submitted);
    chain.number = submitted.body.number as string;
    chain.workflowId = submitted.body.workflowId as string;
    stats.submitted += 1;
    return true;
  }

  const recordDecision = (chain: Chain) => {
    chain.next += 1;
    chain.waitingSince = undefined;
    stats.decisions += 1;
    if (chain.next >= chain.planned.steps.length) chain.finished = true;
    return true;
  };
  const invoicing = createInvoiceDrivers({ client, accounts, runId, stats, fail, recordDecision });

  /**
   * Completes the open task of `taskKind` on `subjectId` that this chain has
   * not decided yet (claimed first if it is offered to a role); false when it
   * is not there yet. A 409/404 after a lost answer is believed only if the
   * task shows our own outcome.
   */
  async function completeTask(chain: Chain, by: Person, subjectId: string, taskKind: string, action: string, body: (task: TaskItem) => Record<string, unknown>): Promise<boolean> {
    const actor = accounts[by];
    const inbox = await client.call('GET', `/tasks?subjectId=${subjectId}`, actor.token);
    if (inbox.status !== 200) return fail(chain, 'inbox', inbox);
    const task = (inbox.body.items as TaskItem[]).find((item) => item.kind === taskKind && !chain.decidedTaskIds.has(item.id));
    if (!task) return false;
    if (!task.assigneeId) {
      const claimed = await client.call('POST', `/tasks/${task.id}/claim`, actor.token, undefined, {}, 'claim');
      if (claimed.status !== 200 && !(claimed.status === 409 && (await client.call('GET', `/tasks/${task.id}`, actor.token)).body.assigneeId === actor.userId)) return fail(chain, `claim of task ${task.id}`, claimed);
    }
    decisionsInFlight.add(task.id);
    const kind = taskKind.startsWith('po_') ? `${action} order` : taskKind.startsWith('invoice_') ? `${action} invoice` : 'complete';
    const answer = await client.call('POST', `/tasks/${task.id}/complete`, actor.token, body(task), {}, kind).finally(() => decisionsInFlight.delete(task.id));
    if (answer.attempts > 1) stats.decisionsRetried += 1;
    if (answer.status === 200) {
      const decided = answer.body.task as { status: string; outcome: string | null };
      if (decided.status !== 'completed' || decided.outcome !== action) return fail(chain, `${action} of task ${task.id}`, answer);
    } else if (answer.status === 409 || answer.status === 404) {
      // An earlier attempt whose answer was lost may have decided it: believe the task, not the status code.
      const now = await client.call('GET', `/tasks/${task.id}`, actor.token);
      const row = now.body as { status?: string; outcome?: string | null; completedById?: string | null };
      if (now.status !== 200 || row.status !== 'completed' || row.outcome !== action || row.completedById !== actor.userId) return fail(chain, `${action} of task ${task.id} (then ${JSON.stringify(row).slice(0, 200)})`, answer);
      stats.conflictsVerifiedAsOurs += 1;
    } else {
      return fail(chain, `${action} of task ${task.id}`, answer);
    }
    chain.decidedTaskIds.add(task.id);
    return recordDecision(chain);
  }

  async function decide(chain: Chain, step: Extract<Step, { kind: 'decide' }>): Promise<boolean> {
    const subjectId = step.on === 'order' ? chain.purchaseOrderId! : step.on === 'invoice' || step.on === 'corrected' ? chain.invoices[step.on]!.id : chain.id!;
    const moved = await completeTask(chain, step.by, subjectId, step.taskKind, step.action, () => ({ action: step.action, ...(step.comment ? { comment: step.comment } : {}) }));
    if (moved || step.on === undefined || step.on === 'order') return moved;
    // An invoice's task not there yet: reported once its process shows no progress for long.
    return invoicing.taskNotThere(chain, step);
  }

  /** The buyer finds the order the approval made (exactly one: every line names one supplier), prices every line of its prepare task at the requisition's price and sends it. */
  async function prepare(chain: Chain, step: Extract<Step, { kind: 'prepare' }>): Promise<boolean> {
    if (!chain.purchaseOrderId) {
      const page = await client.call('GET', `/purchase-orders?requisitionId=${chain.id}`, accounts[step.by].token);
      if (page.status !== 200) return fail(chain, 'purchase orders of the requisition', page);
      const orders = page.body.items as { id: string }[];
      if (orders.length > 1) return fail(chain, `${orders.length} orders for one requisition`, page);
      if (orders.length === 0) return false;
      chain.purchaseOrderId = orders[0]!.id;
    }
    const moved = await completeTask(chain, step.by, chain.purchaseOrderId, 'po_prepare', 'prepare', (task) => ({
      action: 'prepare',
      data: { deliveryDate: '2027-06-30', deliveryAddress: 'Chaos plant, gate 3', lines: (task.details?.lines ?? []).map((line) => ({ lineId: line.lineId, unitPrice: line.unitPrice })) },
    }));
    if (moved && !chain.anomaly) stats.ordersPrepared += 1;
    return moved;
  }

  /**
   * Once the order is issued, the warehouse receives every line in full,
   * with one Idempotency-Key for every attempt: a retry after a lost answer
   * is the same receipt. A 409 is believed only if the order shows exactly
   * one receipt, ours, with everything received.
   */
  async function receive(chain: Chain, step: Extract<Step, { kind: 'receive' }>): Promise<boolean> {
    const actor = accounts[step.by];
    if (chain.invoices.invoice && chain.planned.order!.invoicing.variant === 'early') {
      const held = await invoicing.earlyInvoiceHeld(chain);
      if (held !== 'held') return held;
    }
    const before = await client.call('GET', `/purchase-orders/${chain.purchaseOrderId}`, actor.token);
    if (before.status !== 200) return fail(chain, 'read purchase order', before);
    const order = before.body as { status: string; lines: { id: string; quantity: string }[] };
    if (order.status === 'draft' || order.status === 'pending_approval') return false;
    if (order.status !== 'issued') return fail(chain, `order ${order.status} before its receipt`, before);
    const body = { purchaseOrderId: chain.purchaseOrderId, location: chain.planned.order!.location, lines: order.lines.map((line) => ({ purchaseOrderLineId: line.id, quantityReceived: line.quantity })) };
    const answer = await client.call('POST', '/receipts', actor.token, body, { 'idempotency-key': `chaos-${runId}-${chain.planned.index}-receipt` }, 'receive');
    if (answer.attempts > 1) stats.decisionsRetried += 1;
    if (answer.status === 201) {
      chain.receiptNumber = answer.body.number as string;
    } else if (answer.status === 409) {
      const now = await client.call('GET', `/purchase-orders/${chain.purchaseOrderId}`, actor.token);
      const after = now.body as { status?: string; receipts?: { number: string; receivedById: string }[] };
      if (now.status !== 200 || after.status !== 'received' || after.receipts?.length !== 1 || after.receipts[0]!.receivedById !== actor.userId) return fail(chain, `receipt (then ${JSON.stringify(after).slice(0, 200)})`, answer);
      chain.receiptNumber = after.receipts[0]!.number;
      stats.conflictsVerifiedAsOurs += 1;
    } else {
      return fail(chain, 'receipt', answer);
    }
    stats.receipts += 1;
    return recordDecision(chain);
  }

  /** The requester withdraws once the planned step is open (so its task exists, to be cancelled). */
  async function withdraw(chain: Chain, step: Extract<Step, { kind: 'withdraw' }>): Promise<boolean> {
    const actor = accounts[step.by];
    const before = await client.call('GET', `/requisitions/${chain.id}`, actor.token);
    if (before.status !== 200) return fail(chain, 'read requisition', before);
    const steps = before.body.steps as { level: number; status: string }[];
    if (steps.find((one) => one.level === step.whileLevelOpen)?.status !== 'active') return false;
    const answer = await client.call('POST', `/requisitions/${chain.id}/withdraw`, actor.token, { reason: 'chaos: no longer needed' });
    if (answer.attempts > 1) stats.decisionsRetried += 1;
    if (answer.status === 409) {
      const now = await client.call('GET', `/requisitions/${chain.id}`, actor.token);
      if (now.body.status !== 'withdrawn') return fail(chain, 'withdraw', answer);
      stats.conflictsVerifiedAsOurs += 1;
    } else if (answer.status !== 200 || answer.body.status !== 'withdrawn') {
      return fail(chain, 'withdraw', answer);
    }
    return recordDecision(chain);
  }

  /** One move on a chain; false when its next step is not there yet. */
  async function advance(chain: Chain): Promise<boolean> {
    if (!chain.workflowId) return createAndSubmit(chain);
    const step = chain.planned.steps[chain.next]!;
    const moved = await (() => {
      switch (step.kind) {
        case 'decide':
          return decide(chain, step);
        case 'withdraw':
          return withdraw(chain, step);
        case 'prepare':
          return prepare(chain, step);
        case 'receive':
          return receive(chain, step);
        case 'enterInvoice':
          return invoicing.enter(chain, step);
        case 'pay':
          return invoicing.pay(chain, step, everyChain);
      }
    })();
    if (!moved) stats.notReadyPolls += 1;
    return moved;
  }

  /** Runs until every chain finished (or the deadline throws out of a client call). */
  async function run(chains: Chain[], concurrency: number): Promise<void> {
    everyChain = chains;
    const queue = chains.filter((chain) => !chain.finished);
    const worker = async () => {
      while (chains.some((chain) => !chain.finished)) {
        const now = Date.now();
        const index = queue.findIndex((chain) => chain.notBefore <= now && stats.decisions >= chain.startAfterDecisions);
        if (index < 0) {
          await sleep(25);
          continue;
        }
        const chain = queue.splice(index, 1)[0]!;
        const moved = await advance(chain);
        if (chain.finished) continue;
        chain.notBefore = moved ? 0 : Date.now() + 200;
        queue.push(chain);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  return { stats, run, createAndSubmit, decisionsInFlight: () => [...decisionsInFlight], paymentRuns: invoicing.runs };
}
