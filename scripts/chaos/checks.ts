import type { Client } from '@temporalio/client';
import { messageIdFor } from '../../activities/mail/mailer.ts';
import type { Database } from '../../db/client.ts';
import { sealAuditLog } from '../../db/audit-sealer.ts';
import { verifyAuditChain } from '../../db/queries/audit.ts';
import { auditLog, mailOutbox, requisitions, tasks } from '../../db/schema/index.ts';
import type { RequisitionState } from '../../workflows/requisition.workflow.ts';
import { searchKeys } from '../../workflows/search-attributes.ts';
import { numberChecks, sameCounts, sum, tally, type Check } from './counting.ts';
import type { Chain } from './drivers.ts';
import { checkInvoices, invoiceOnceActions } from './invoice-checks.ts';
import type { SentPaymentRun } from './invoice-drivers.ts';
import { expectedInvoices } from './invoice-plans.ts';
import { checkOrders, orderOnceActions } from './order-checks.ts';
import { expectedEffects, expectedOrderEffects, finalStatus, type PlannedRequisition } from './plans.ts';
import { REPORT_SUMMARIES_WORKFLOW_TYPE, RETENTION_REVIEW_WORKFLOW_TYPE } from '../../worker/schedules.ts';

export type { Check } from './counting.ts';

/** Actions that happen at most once per subject: a second entry is a duplicated side effect. */
const onceActions = new Set(['requisition.created', 'requisition.submitted', 'requisition.approved', 'requisition.rejected', 'requisition.withdrawn', 'requisition.ordered', 'task.created', 'task.completed', 'task.cancelled', ...orderOnceActions, ...invoiceOnceActions]);

/** The planned tasks and mails of an order's invoices, all documents together. */
const invoicesOf = (planned: PlannedRequisition) => (planned.order ? expectedInvoices(planned.order.invoicing) : []);

/**
 * Reads what the run left behind (database, SMTP sink, Temporal) and compares
 * it with the plans: every process at its planned end, every side effect
 * exactly once. The purchase orders' own rows come from order-checks.ts, the
 * invoices' from invoice-checks.ts.
 */
export async function checkOutcome(params: { db: Database; temporal: Client; taskQueue: string; chains: Chain[]; supplierIds: readonly string[]; paymentRuns: SentPaymentRun[]; receivedRaw: string[]; cutOffRaw: string[] }) {
  const { db, temporal, chains } = params;
  const checks: Check[] = [];
  const add = (check: string, expected: string | number, actual: string | number, ok = expected === actual) => checks.push({ check, expected, actual, ok });
  const n = chains.length;
  const byId = new Map(chains.filter((chain) => chain.id).map((chain) => [chain.id!, chain]));

  // Requisitions: count, numbers, end status (an approved one is `ordered` once its order is issued, `closed` once its invoice is paid).
  const requisitionRows = await db.select({ id: requisitions.id, number: requisitions.number, status: requisitions.status }).from(requisitions);
  add('requisitions created', n, requisitionRows.length);
  numberChecks(add, 'requisition', requisitionRows.map((row) => row.number), n);
  const plannedStatus = tally(chains, (chain) => (chain.planned.order ? 'approved, ordered, then closed' : chain.planned.plan.endStatus));
  const inPlannedStatus = requisitionRows.filter((row) => { const chain = byId.get(row.id); return chain !== undefined && finalStatus(chain.planned) === row.status; }).length;
  add(`requisitions at their planned end (${[...plannedStatus].map(([status, count]) => `${count} ${status}`).join(', ')})`, n, inPlannedStatus);

  // Tasks: per requisition and kind, outcomes in order (orders' tasks: order-checks.ts, invoices': invoice-checks.ts), none open.
  const taskRows = await db.select().from(tasks);
  const tasksOf = new Map<string, typeof taskRows>();
  for (const row of taskRows) tasksOf.set(row.subjectId, [...(tasksOf.get(row.subjectId) ?? []), row]);
  let tasksAsPlanned = 0;
  let outcomesAsPlanned = 0;
  let expectedTasks = sum(chains.map((chain) => (chain.planned.order ? sum(Object.values(expectedOrderEffects(chain.planned.order).tasks).map(Number)) : 0) + sum(invoicesOf(chain.planned).map((invoice) => sum(Object.values(invoice.tasks).map(Number))))));
  for (const chain of chains) {
    const expected = expectedEffects(chain.planned);
    expectedTasks += sum(Object.values(expected.tasks).map(Number));
    const rows = (chain.id ? (tasksOf.get(chain.id) ?? []) : []).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    if (sameCounts(expected.tasks, tally(rows, (row) => row.kind)) && rows.filter((row) => row.status === 'cancelled').length === expected.cancelledTasks) tasksAsPlanned += 1;
    const outcomes = rows.filter((row) => row.status === 'completed').map((row) => row.outcome);
    if (JSON.stringify(outcomes) === JSON.stringify(expected.completedOutcomes)) outcomesAsPlanned += 1;
  }
  add('tasks in total (requisitions, orders and invoices)', expectedTasks, taskRows.length);
  add('requisitions with exactly their planned tasks per kind', n, tasksAsPlanned);
  add('requisitions whose tasks were decided as planned, in order', n, outcomesAsPlanned);
  add('tasks left open', 0, taskRows.filter((row) => row.status === 'open').length);

  // Mail: the outbox against the plans, then against what the SMTP sink received.
  const mailRows = await db.select({ key: mailOutbox.idempotencyKey, template: mailOutbox.template, processId: mailOutbox.processId, status: mailOutbox.status, error: mailOutbox.error, attachments: mailOutbox.attachments }).from(mailOutbox);
  const mailsOf = new Map<string, typeof mailRows>();
  for (const row of mailRows) mailsOf.set(row.processId ?? '', [...(mailsOf.get(row.processId ?? '') ?? []), row]);
  const expectedMails = sum(chains.map((chain) => sum(Object.values(expectedEffects(chain.planned).mails)) + (chain.planned.order ? sum(Object.values(expectedOrderEffects(chain.planned.order).mails)) : 0) + sum(invoicesOf(chain.planned).map((invoice) => sum(Object.values(invoice.mails))))));
  const mailsAsPlanned = chains.filter((chain) => sameCounts(expectedEffects(chain.planned).mails, tally(mailsOf.get(chain.workflowId ?? '') ?? [], (row) => row.template))).length;
  add('outbox rows (task, question, decision, order, arrival and invoice mails)', expectedMails, mailRows.length);
  add('requisitions with exactly their planned mails per template', n, mailsAsPlanned);
  const mailStatus = tally(mailRows, (row) => row.status);
  add("outbox rows neither 'sent' nor 'unconfirmed' (still sending, failed)", 0, mailRows.filter((row) => row.status !== 'sent' && row.status !== 'unconfirmed').length);

  const receivedIds = params.receivedRaw.map(messageIdOf);
  const receivedCount = tally(receivedIds, (id) => id);
  const outboxIds = new Map(mailRows.map((row) => [messageIdFor(row.key), row]));
  add('SMTP: Message-IDs received more than once', 0, [...receivedCount.values()].filter((count) => count > 1).length);
  add('SMTP: messages received that no outbox row explains', 0, receivedIds.filter((id) => !outboxIds.has(id)).length);
  const sent = mailRows.filter((row) => row.status === 'sent');
  add("SMTP: 'sent' rows received", sent.length, sent.filter((row) => receivedCount.has(messageIdFor(row.key))).length);
  const unconfirmed = mailRows.filter((row) => row.status === 'unconfirmed');
  const unconfirmedReceived = unconfirmed.filter((row) => receivedCount.has(messageIdFor(row.key))).length;
  add("SMTP: 'unconfirmed' rows never received (LOST)", 0, unconfirmed.length - unconfirmedReceived);

  // Audit: once every committed entry is sealed, the whole chain verifies; per requisition, the planned entries and no second one of a kind.
  await sealAuditLog(db);
  const verification = await verifyAuditChain(db);
  add('audit chain verifies', 'ok', verification.ok ? 'ok' : `broken at ${verification.firstBrokenId}`);
  add('audit entries left unsealed after sealing', 0, verification.unsealed);
  const taskOwner = new Map(taskRows.filter((row) => row.subjectType === 'Requisition').map((row) => [row.id, row.subjectId]));
  const auditRows = await db.select({ id: auditLog.id, action: auditLog.action, subjectType: auditLog.subjectType, subjectId: auditLog.subjectId, processId: auditLog.processId, requestId: auditLog.requestId, at: auditLog.at }).from(auditLog);
  const processAudit = auditRows
    .map((row) => ({ ...row, requisitionId: row.subjectType === 'Requisition' ? row.subjectId : row.subjectType === 'Task' ? taskOwner.get(row.subjectId) : undefined }))
    .filter((row): row is typeof row & { requisitionId: string } => row.requisitionId !== undefined);
  const auditOf = new Map<string, typeof processAudit>();
  for (const row of processAudit) auditOf.set(row.requisitionId, [...(auditOf.get(row.requisitionId) ?? []), row]);
  const expectedAudit = sum(chains.map((chain) => sum(Object.values(expectedEffects(chain.planned).audit))));
  add('audit entries of requisitions and their tasks', expectedAudit, processAudit.length);
  add('requisitions with exactly their planned audit entries', n, chains.filter((chain) => sameCounts(expectedEffects(chain.planned).audit, tally(auditOf.get(chain.id ?? '') ?? [], (row) => row.action))).length);
  const onceTally = tally(auditRows.filter((row) => onceActions.has(row.action)), (row) => `${row.action} ${row.subjectId}`);
  const duplicated = [...onceTally].filter(([, count]) => count > 1);
  add('audit entries duplicated (a 2nd created/decided/cancelled of one subject)', 0, duplicated.length);
  // The evidence, for whoever reads a failed run: each duplicate's entries (id, time, process, request).
  const findings = duplicated.map(([key, count]) => {
    const entries = auditRows.filter((row) => `${row.action} ${row.subjectId}` === key).sort((a, b) => a.at.getTime() - b.at.getTime());
    return `audit ${key} ${count} times: ${entries.map((row) => `#${row.id} at ${row.at.toISOString()} process ${row.processId} request ${row.requestId}`).join('; ')}`;
  });

  // Temporal: every requisition run closed as completed, with the planned result, each decision accepted once.
  const executions: { type: string; status: string }[] = [];
  // The Schedules' runs (the spend summary every half minute, the nightly retention review) share the queue but are no process of the run.
  const scheduled = [REPORT_SUMMARIES_WORKFLOW_TYPE, RETENTION_REVIEW_WORKFLOW_TYPE];
  for await (const execution of temporal.workflow.list({ query: `TaskQueue = '${params.taskQueue}'` })) {
    if (!scheduled.includes(execution.type)) executions.push({ type: execution.type, status: execution.status.name });
  }
  const requisitionRuns = tally(executions.filter((execution) => execution.type === 'requisitionWorkflow'), (execution) => execution.status);
  const statuses = tally(executions, (execution) => `${execution.type} ${execution.status}`);
  add('Temporal: requisition workflows completed', n, requisitionRuns.get('COMPLETED') ?? 0);
  add('Temporal: requisition workflows running, failed, terminated, cancelled or timed out', 0, sum([...requisitionRuns].filter(([status]) => status !== 'COMPLETED').map(([, count]) => count)));
  let resultsAsPlanned = 0;
  let numbersMatch = 0;
  let updatesAccepted = 0;
  let updatesAsPlanned = 0;
  const expectedUpdates = sum(chains.map((chain) => chain.planned.requisitionSteps));
  const numberOf = new Map(requisitionRows.map((row) => [row.id, row.number]));
  for (const chain of chains) {
    if (!chain.workflowId) continue;
    const handle = temporal.workflow.getHandle(chain.workflowId);
    const description = await handle.describe();
    if (description.status.name === 'COMPLETED' && ((await handle.result()) as RequisitionState).status === chain.planned.plan.endStatus) resultsAsPlanned += 1;
    if (description.typedSearchAttributes.get(searchKeys.documentNumber) === numberOf.get(chain.id!)) numbersMatch += 1;
    const history = await handle.fetchHistory();
    const accepted = (history.events ?? []).flatMap((event) => (event.workflowExecutionUpdateAcceptedEventAttributes ? [event.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.meta?.updateId ?? ''] : []));
    updatesAccepted += accepted.length;
    if (accepted.length === chain.planned.requisitionSteps && new Set(accepted).size === accepted.length) updatesAsPlanned += 1;
  }
  add('Temporal: workflow results at the planned status', n, resultsAsPlanned);
  add('Temporal: decision Updates accepted (each once)', expectedUpdates, updatesAccepted, updatesAccepted === expectedUpdates && updatesAsPlanned === n);
  add('Temporal: DocumentNumber = the requisition number', n, numbersMatch);

  const orders = await checkOrders({ db, temporal, chains, supplierIds: params.supplierIds, executions, taskRows, mailRows, auditRows, add, findings });
  const invoices = await checkInvoices({ db, temporal, chains, supplierIds: params.supplierIds, paymentRuns: params.paymentRuns, executions, taskRows, mailRows, auditRows, received: receivedCount, add, findings });

  const counts = {
    requisitions: Object.fromEntries(tally(requisitionRows, (row) => row.status)),
    tasks: taskRows.length,
    mails: { rows: mailRows.length, byStatus: Object.fromEntries(mailStatus), sent: mailStatus.get('sent') ?? 0, unconfirmed: unconfirmed.length, received: receivedIds.length, unconfirmedReceived, unconfirmedLost: unconfirmed.length - unconfirmedReceived },
    auditEntries: verification.checked,
    workflows: Object.fromEntries(statuses),
    updatesAccepted,
    orders,
    invoices,
  };
  /** Which mails a kill caught in the SMTP hand-off, for the report. */
  const cutOffIds = new Set(params.cutOffRaw.map(messageIdOf));
  const unconfirmedMails = unconfirmed.map((row) => ({
    key: row.key,
    template: row.template,
    received: receivedCount.has(messageIdFor(row.key)),
    /** The sink saw the message start but its connection closed before the end-of-data mark. */
    cutOff: cutOffIds.has(messageIdFor(row.key)),
    error: row.error,
  }));
  return { checks, counts, unconfirmedMails, findings };
}

function messageIdOf(raw: string): string {
  return /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? 'missing';
}
