import { ApplicationFailure, allHandlersFinished, condition, defineQuery, defineUpdate, getExternalWorkflowHandle, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
// Zod-free modules only: the bundle is evaluated for every run.
import { parseSla } from '@p2p/domain/approval-rules';
import { compareDecimal } from '@p2p/domain/decimal';
import type { InvoiceStatus, MatchingPolicy } from '@p2p/domain/invoices';
import type { Activities } from '../activities/index.ts';
import type { InvoiceFacts, MatchOutcome } from '../activities/invoices.ts';
import type { RecordChange } from '../activities/human-tasks.ts';
import { humanTasks, taskFailures, type Decision, type Exclusion } from './human-task.ts';
import { goodsMoved, invoiceSettled } from './invoice-signals.ts';
import { searchKeys } from './search-attributes.ts';

/**
 * One supplier invoice from entry to paid or rejected (SPEC 4.3): matched
 * against its PO and the PO's receipts, cumulatively over the PO's earlier
 * invoices; held for named reasons; waiting durably for goods (every receipt
 * or return of the PO re-matches it) up to the policy's days; an exception
 * for accounting otherwise (accept the variance, with a procurement
 * manager's second approval above twice the tolerance; ask for a credit note
 * and wait for it; reject; keep on hold); approved at once within the
 * auto-approve limit or by an accountant who did not enter it; a payment
 * task on its due date; paid once. People's steps are the human-task
 * helper's; this file is the business rules.
 */

export interface InvoiceInput {
  invoiceId: string;
  purchaseOrderId: string;
  /** The PO's process: told when this invoice is settled, so the order may close. */
  purchaseOrderWorkflowId: string;
  /** Segregation of duties: who entered it neither accepts its variance nor approves its payment. */
  enteredById: string;
  /** The matching policy when the invoice was entered: a running match keeps it. */
  policy: MatchingPolicy;
  /** SLA of the people's steps (ISO 8601, business days). */
  approvalSla: string;
}

export interface InvoiceState {
  status: InvoiceStatus;
  round: number;
  /** What the process waits for now, in words; null when nothing. */
  waitingFor: string | null;
}

export interface PaymentRequest {
  requestId: string;
  actorId: string;
  reference: string;
  paidOn: string;
  amount: string;
  paymentRunId: string | null;
}

export const creditNoteReceived = defineUpdate<InvoiceState, [{ creditNoteId: string }]>('creditNoteReceived');
export const recordPayment = defineUpdate<InvoiceState, [PaymentRequest]>('recordPayment');
/** The state, and the receipts, returns and credit notes the run has heard of (the relay resends a credit note it has not). */
export const invoiceState = defineQuery<InvoiceState & { heard: string[] }>('invoiceState');

const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const DAY_MS = 86_400_000;

const refuse = (message: string): never => {
  throw ApplicationFailure.create({ type: taskFailures.notOpen, message, nonRetryable: true });
};

export async function invoiceWorkflow(input: InvoiceInput): Promise<InvoiceState> {
  const { policy } = input;
  const sla = parseSla(input.approvalSla) ?? { businessDays: 2, clockMs: 0 };
  const state: InvoiceState = { status: 'matching', round: -1, waitingFor: null };
  const people = humanTasks({ subject: { type: 'Invoice', id: input.invoiceId }, status: () => state.status });
  /** Receipts, returns and credit notes not yet matched against, by their id (each counts once). */
  const triggers: string[] = [];
  const heard = new Set<string>();
  let payment: PaymentRequest | null = null;

  const setStatus = (status: InvoiceStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: searchKeys.processStatus, value: status }]);
  };
  const record = (status: InvoiceStatus, by: Decision | { actorId: string; comment?: string | null } | null, facts: InvoiceFacts = {}): RecordChange => {
    setStatus(status);
    return { status, actorId: by?.actorId ?? null, onBehalfOfId: by && 'onBehalfOfId' in by ? by.onBehalfOfId : null, comment: by?.comment ?? null, facts: facts as Record<string, unknown> };
  };
  const hear = (key: string) => {
    if (heard.has(key)) return;
    heard.add(key);
    triggers.push(key);
  };

  setHandler(invoiceState, () => ({ ...state, heard: [...heard] }));
  setHandler(goodsMoved, ({ kind, documentId }) => hear(`${kind}:${documentId}`));
  setHandler(
    creditNoteReceived,
    ({ creditNoteId }) => {
      hear(`credit_note:${creditNoteId}`);
      return { ...state };
    },
    {
      validator: (_request) => {
        if (state.status === 'rejected' || state.status === 'paid') refuse(`the invoice is ${state.status}`);
      },
    },
  );
  setHandler(
    recordPayment,
    async (request) => {
      payment = request;
      await condition(() => people.isAnswered(request.requestId));
      return { ...state };
    },
    {
      validator: (_request) => {
        if (state.status === 'paid' || payment) refuse('the invoice is already paid');
        if (state.status === 'rejected') refuse('a rejected invoice is not paid');
        if (state.status !== 'approved') refuse('the invoice is not approved for payment yet');
      },
    },
  );

  /** Matches again, once per round: the first at entry, then after what was heard. */
  const match = (trigger: string): Promise<MatchOutcome> => {
    state.round += 1;
    return local.matchInvoiceRound({ processId: people.processId, invoiceId: input.invoiceId, round: state.round, trigger, policy });
  };
  const rematch = () => match(triggers.splice(0).join(', '));
  /** Waits for a receipt, return or credit note, up to `days`; true when one came. */
  const waitForNews = async (days: number, summary: string): Promise<boolean> => (triggers.length > 0 ? true : await condition(() => triggers.length > 0, Math.max(1, Math.round(days * DAY_MS)), { summary }));

  const enteredBy: Exclusion = { ids: [input.enteredById], reason: 'the accountant who entered an invoice does not accept its variance or approve its payment', as: 'entered this invoice' };
  const settleAndTell = async () => {
    await condition(allHandlersFinished);
    await getExternalWorkflowHandle(input.purchaseOrderWorkflowId)
      .signal(invoiceSettled, { invoiceId: input.invoiceId, status: state.status })
      .catch(() => undefined);
  };

  upsertSearchAttributes([{ key: searchKeys.processStatus, value: 'matching' }]);
  let outcome = await match('entered');
  setStatus(outcome.matched ? 'matching' : 'on_hold');

  // ---- holds: wait for goods, or accounting decides ----
  let exceptions = 0;
  let escalation: string | null = null;
  let accepted: { by: Decision; confirmedBy: Decision | null } | null = null;
  while (!outcome.matched && !accepted) {
    if (outcome.waitingForGoods && exceptions === 0) {
      state.waitingFor = 'goods to be received';
      if (await waitForNews(policy.goodsWaitDays, 'waiting for goods')) {
        outcome = await rematch();
        continue;
      }
      escalation = `No goods arrived within ${policy.goodsWaitDays} days.`;
    }
    state.waitingFor = 'accounting’s decision on the holds';
    const invoice = await local.readInvoice({ invoiceId: input.invoiceId });
    const details = {
      stepLabel: escalation ?? 'The invoice does not match its order',
      invoiceId: input.invoiceId,
      number: invoice.number,
      invoiceNumber: invoice.invoiceNumber,
      supplierName: invoice.supplierName,
      purchaseOrderNumber: invoice.purchaseOrderNumber,
      total: outcome.total,
      currency: invoice.currency,
      needsSecondApproval: outcome.needsSecondApproval,
      escalated: escalation !== null,
      holds: outcome.holds,
      matchLines: outcome.matchLines,
    };
    const decision = await people.ask({
      kind: 'invoice_exception',
      stepKey: `exception-${exceptions++}`,
      title: escalation ? 'Invoice exception, overdue: {title}' : 'Invoice exception: {title}',
      assign: { to: 'role', role: 'accountant', lineFrom: input.enteredById },
      exclude: [enteredBy],
      sla,
      details,
      record: record('on_hold', null, escalation ? { escalated: { reason: escalation } } : {}),
      until: () => triggers.length > 0,
    });
    escalation = null;
    state.waitingFor = null;
    if (!decision) {
      // A receipt, return or credit note came while accounting looked: match again first.
      await people.settle({ cancelOpen: { reason: 'goods or a credit note arrived: the invoice is matched again', actorId: null } });
      outcome = await rematch();
      continue;
    }
    if (decision.action === 'reject') {
      await people.settle({ record: record('rejected', decision, { reject: { reason: decision.comment ?? 'rejected by accounting' } }) });
      await settleAndTell();
      return { ...state, waitingFor: null };
    }
    if (decision.action === 'hold' || decision.action === 'request_credit_note') {
      const creditNote = decision.action === 'request_credit_note';
      await people.settle({ record: record('on_hold', decision, creditNote ? { creditNoteRequest: { reason: decision.comment ?? '' } } : { hold: { note: decision.comment ?? '' } }) });
      const days = creditNote ? policy.creditNoteWaitDays : policy.goodsWaitDays;
      state.waitingFor = creditNote ? 'a credit note from the supplier' : 'goods, a credit note or the hold period';
      const news = await waitForNews(days, creditNote ? 'waiting for a credit note' : 'kept on hold');
      state.waitingFor = null;
      if (news) outcome = await rematch();
      else escalation = creditNote ? `No credit note came within ${days} days.` : `Kept on hold for ${days} days.`;
      continue;
    }
    // accept_variance: above twice the tolerance a procurement manager confirms it.
    if (outcome.needsSecondApproval) {
      state.waitingFor = 'a procurement manager’s approval of the variance';
      const confirmation = await people.ask({
        kind: 'invoice_variance_approval',
        stepKey: `variance-${exceptions}`,
        title: 'Approve an invoice variance: {title}',
        assign: { to: 'role', role: 'procurement_manager', lineFrom: decision.actorId },
        exclude: [enteredBy, { ids: [decision.actorId], reason: 'the person who accepted a variance does not confirm it', as: 'accepted this variance' }],
        sla,
        details: { ...details, stepLabel: 'Variance above twice the tolerance', acceptedById: decision.actorId, acceptComment: decision.comment ?? null },
        until: () => triggers.length > 0,
      });
      state.waitingFor = null;
      if (!confirmation) {
        await people.settle({ cancelOpen: { reason: 'goods or a credit note arrived: the invoice is matched again', actorId: null } });
        outcome = await rematch();
        continue;
      }
      if (confirmation.action === 'reject') {
        await people.settle({ notices: [{ key: `${people.processId}:variance-${exceptions}:rejected`, toUserId: decision.actorId, decision: 'rejected', decisionLabel: 'Variance not approved', actorId: confirmation.actorId, comment: confirmation.comment ?? null }] });
        escalation = 'A procurement manager did not approve accepting the variance.';
        continue;
      }
      accepted = { by: decision, confirmedBy: confirmation };
    } else {
      accepted = { by: decision, confirmedBy: null };
    }
  }

  // ---- approval for payment ----
  const acceptance: InvoiceFacts = accepted ? { acceptVariance: { acceptedById: accepted.by.onBehalfOfId ?? accepted.by.actorId, confirmedById: accepted.confirmedBy ? (accepted.confirmedBy.onBehalfOfId ?? accepted.confirmedBy.actorId) : null, note: accepted.by.comment ?? null } } : {};
  const approver = accepted?.confirmedBy ?? accepted?.by ?? null;
  if (compareDecimal(outcome.total, policy.autoApproveLimit) <= 0) {
    await people.settle({ record: record('approved', approver, { ...acceptance, approve: { automatic: true } }) });
  } else {
    if (accepted) await people.settle({ record: record('matching', approver, acceptance) });
    state.waitingFor = 'an accountant’s approval for payment';
    const invoice = await local.readInvoice({ invoiceId: input.invoiceId });
    const approval = await people.ask({
      kind: 'invoice_approval',
      stepKey: 'approval',
      title: 'Approve for payment: {title}',
      assign: { to: 'role', role: 'accountant', lineFrom: input.enteredById },
      exclude: [enteredBy],
      sla,
      details: { stepLabel: `Above the auto-approve limit of ${policy.autoApproveLimit}`, invoiceId: input.invoiceId, number: invoice.number, invoiceNumber: invoice.invoiceNumber, supplierName: invoice.supplierName, purchaseOrderNumber: invoice.purchaseOrderNumber, total: outcome.total, currency: invoice.currency, acceptedPriceVariance: outcome.acceptedPriceVariance, dueDate: invoice.dueDate, autoApproveLimit: policy.autoApproveLimit },
    });
    state.waitingFor = null;
    if (approval!.action === 'reject') {
      await people.settle({ record: record('rejected', approval!, { reject: { reason: approval!.comment ?? 'rejected for payment' } }) });
      await settleAndTell();
      return { ...state };
    }
    await people.settle({ record: record('approved', approval!, { approve: { automatic: false } }) });
  }

  // ---- payment: a task on the due date, or paid before it (a payment run) ----
  const approved = await local.readInvoice({ invoiceId: input.invoiceId });
  const dueAt = Date.parse(`${approved.dueDate}T00:00:00Z`);
  state.waitingFor = `payment, due ${approved.dueDate}`;
  const early = await condition(() => payment !== null, Math.max(1, dueAt - new Date().getTime()), { summary: `payment due ${approved.dueDate}` });
  if (!early) {
    const paid = await people.ask({
      kind: 'invoice_payment',
      stepKey: 'payment',
      title: 'Payment due: {title}',
      assign: { to: 'role', role: 'accountant', lineFrom: input.enteredById },
      sla: null,
      details: { stepLabel: `Due ${approved.dueDate}`, invoiceId: input.invoiceId, number: approved.number, invoiceNumber: approved.invoiceNumber, supplierName: approved.supplierName, amount: approved.total, currency: approved.currency, dueDate: approved.dueDate, discountDate: approved.discountDate, discountAmount: approved.discountAmount },
      until: () => payment !== null,
    });
    if (paid) {
      const data = paid.data as { reference: string; paidOn: string; amount: string };
      await people.settle({ record: record('paid', paid, { payment: { reference: data.reference, paidOn: data.paidOn, amount: data.amount, paymentRunId: null, recordedById: paid.onBehalfOfId ?? paid.actorId } }) });
      state.waitingFor = null;
      await settleAndTell();
      return { ...state };
    }
  }
  const request = payment!;
  people.answerAfterSettle(request.requestId);
  await people.settle({
    cancelOpen: { reason: 'paid', actorId: request.actorId },
    record: record('paid', { actorId: request.actorId }, { payment: { reference: request.reference, paidOn: request.paidOn, amount: request.amount, paymentRunId: request.paymentRunId, recordedById: request.actorId } }),
    requestId: request.requestId,
  });
  state.waitingFor = null;
  await settleAndTell();
  return { ...state };
}
