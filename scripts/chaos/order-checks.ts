import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client.ts';
import { documents, goodsReceiptLines, goodsReceipts, inventoryBalances, inventoryTransactions, purchaseOrderLines, purchaseOrders, type tasks } from '../../db/schema/index.ts';
import type { PurchaseOrderState } from '../../workflows/purchase-order.workflow.ts';
import { searchKeys } from '../../workflows/search-attributes.ts';
import { groupBy, numberChecks, sameCounts, sum, tally, type AddCheck } from './counting.ts';
import type { Chain } from './drivers.ts';
import { expectedOrderEffects } from './plans.ts';

/** Order actions that happen at most once per subject (checks.ts counts a second one as a duplicate). */
export const orderOnceActions = ['purchase_order.drafted', 'purchase_order.prepared', 'purchase_order.pending_approval', 'purchase_order.issued', 'purchase_order.received', 'purchase_order.closed', 'goods_receipt.recorded'];

/** Quantities and money are numeric strings ("2.0000"); the plans' are small whole numbers and whole cents. */
const cents = (value: string | number) => Math.round(Number(value) * 100);

/**
 * The purchase orders' rows of the check table: every approved requisition
 * made exactly one order to its supplier with its lines, numbered without a
 * gap, issued with one PDF mailed once, received once in full (receipts
 * numbered without a gap, stock equal to what arrived), its people's steps
 * and audit entries once each, closed once its invoice was paid (its run
 * completed with it), the receipt accepted once.
 */
export async function checkOrders(params: {
  db: Database;
  temporal: Client;
  chains: Chain[];
  supplierIds: readonly string[];
  executions: { type: string; status: string }[];
  taskRows: (typeof tasks.$inferSelect)[];
  mailRows: { key: string; template: string; processId: string | null; attachments?: unknown }[];
  auditRows: { action: string; subjectType: string; subjectId: string; at: Date }[];
  add: AddCheck;
  /** Where a failed row's records go, named, for the report. */
  findings: string[];
}) {
  const { db, temporal, add } = params;
  const ordering = params.chains.filter((chain) => chain.planned.order);
  const k = ordering.length;

  // Orders: one per approved requisition, to its supplier, with its lines at its prices (+5% tax), numbered 1..k, closed.
  const orderRows = await db.select().from(purchaseOrders);
  const lineRows = await db.select().from(purchaseOrderLines);
  const ordersOf = groupBy(orderRows, (row) => row.requisitionId);
  const linesOf = groupBy(lineRows, (row) => row.purchaseOrderId);
  add('purchase orders created (one per approved requisition)', k, orderRows.length);
  const single = ordering.filter((chain) => ordersOf.get(chain.id ?? '')?.length === 1);
  add('approved requisitions with exactly one order', k, single.length);
  add('orders of requisitions not approved', 0, orderRows.filter((row) => !ordering.some((chain) => chain.id === row.requisitionId)).length);
  const orderOf = new Map(single.map((chain) => [chain, ordersOf.get(chain.id!)![0]!]));
  const asPlanned = single.filter((chain) => {
    const order = orderOf.get(chain)!;
    const lines = (linesOf.get(order.id) ?? []).sort((a, b) => a.lineNo - b.lineNo);
    return (
      order.supplierId === params.supplierIds[chain.planned.supplierSlot] &&
      chain.purchaseOrderId === order.id &&
      lines.length === chain.planned.lines.length &&
      lines.every((line, index) => {
        const planned = chain.planned.lines[index]!;
        return line.description === planned.item && Number(line.quantity) === planned.quantity && cents(line.unitPrice) === cents(planned.unitPrice);
      }) &&
      cents(order.total) === chain.planned.total * 105
    );
  });
  add('orders to the planned supplier, lines and total (requisition prices + 5% tax)', k, asPlanned.length);
  numberChecks(add, 'PO', orderRows.map((row) => row.number), k);
  add('orders closed (received in full, their invoices paid)', k, orderRows.filter((row) => row.status === 'closed' && row.closedAt !== null).length);
  const approvals = ordering.filter((chain) => chain.planned.order!.approval).length;
  add(`orders issued once, as revision 0 (${approvals} approved above the threshold first)`, k, orderRows.filter((row) => row.revision === 0 && row.issuedAt !== null).length);
  const pdfs = (await db.select({ subjectId: documents.subjectId, kind: documents.kind }).from(documents)).filter((row) => row.kind === 'po_pdf');
  add('order PDFs stored (one per order)', k, pdfs.length, pdfs.length === k && new Set(pdfs.map((row) => row.subjectId)).size === k);

  // Receipts: k, numbered 1..k, each line received exactly as ordered (a second receipt would show as double).
  const receiptRows = await db.select().from(goodsReceipts);
  const receiptLineRows = await db.select().from(goodsReceiptLines);
  add('goods receipts (one per order)', k, receiptRows.length, receiptRows.length === k && new Set(receiptRows.map((row) => row.purchaseOrderId)).size === k);
  numberChecks(add, 'GR', receiptRows.map((row) => row.number), k);
  const receivedPerLine = new Map<string, number>();
  for (const row of receiptLineRows) receivedPerLine.set(row.purchaseOrderLineId, (receivedPerLine.get(row.purchaseOrderLineId) ?? 0) + Number(row.quantityReceived));
  const exact = lineRows.filter((line) => receivedPerLine.get(line.id) === Number(line.quantity) && Number(line.receivedQuantity) === Number(line.quantity)).length;
  add('order lines received exactly as ordered (receipt lines and the line agree)', lineRows.length, exact);
  add('receipts the drivers were answered with (number matches)', k, ordering.filter((chain) => receiptRows.some((row) => row.number === chain.receiptNumber && row.purchaseOrderId === chain.purchaseOrderId)).length);

  // Stock: per location and item, the planned quantities of the received orders; one transaction per receipt line.
  const plannedStock = new Map<string, number>();
  for (const chain of ordering) for (const line of chain.planned.lines) plannedStock.set(`${chain.planned.order!.location} ${line.item} ${line.unit}`, (plannedStock.get(`${chain.planned.order!.location} ${line.item} ${line.unit}`) ?? 0) + line.quantity);
  const balances = await db.select().from(inventoryBalances);
  const movements = await db.select().from(inventoryTransactions);
  const stockKeys = new Set([...plannedStock.keys(), ...balances.map((row) => `${row.location} ${row.item} ${row.unit}`)]);
  const stockRight = [...stockKeys].filter((key) => balances.find((row) => `${row.location} ${row.item} ${row.unit}` === key && Number(row.quantity) === plannedStock.get(key))).length;
  add('stock balances (location, item) equal to the quantities received', plannedStock.size, stockRight, stockRight === stockKeys.size);
  add('inventory transactions (one per receipt line)', receiptLineRows.length, movements.length, movements.length === receiptLineRows.length && movements.every((row) => row.kind === 'receipt'));
  const moved = tally(movements, (row) => `${row.location} ${row.item} ${row.unit}`);
  const balanced = balances.filter((row) => sum(movements.filter((one) => `${one.location} ${one.item} ${one.unit}` === `${row.location} ${row.item} ${row.unit}`).map((one) => Number(one.quantity))) === Number(row.quantity)).length;
  add('stock balances equal to the sum of their transactions', balances.length, balanced, balanced === balances.length && moved.size === balances.length);

  // People's steps, mails and audit per order.
  const byOrder = (chain: Chain) => orderOf.get(chain);
  const tasksOf = groupBy(params.taskRows.filter((row) => row.subjectType === 'PurchaseOrder'), (row) => row.subjectId);
  add(
    'orders with exactly their planned tasks, decided in order',
    k,
    single.filter((chain) => {
      const expected = expectedOrderEffects(chain.planned.order!);
      const rows = (tasksOf.get(byOrder(chain)!.id) ?? []).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      return sameCounts(expected.tasks, tally(rows, (row) => row.kind)) && JSON.stringify(rows.map((row) => row.outcome)) === JSON.stringify(expected.completedOutcomes);
    }).length,
  );
  const mailsOf = groupBy(params.mailRows, (row) => row.processId ?? '');
  add('orders with exactly their planned mails per template', k, single.filter((chain) => sameCounts(expectedOrderEffects(chain.planned.order!).mails, tally(mailsOf.get(byOrder(chain)!.workflowId) ?? [], (row) => row.template))).length);
  const orderMails = params.mailRows.filter((row) => row.template === 'purchase-order');
  add("'purchase-order' mails to suppliers, one per order, each with its PDF", k, orderMails.length, orderMails.length === k && new Set(orderMails.map((row) => row.processId)).size === k && orderMails.every((row) => Array.isArray(row.attachments) && row.attachments.length === 1));
  add("'goods-arrived' mails to requesters, one per order", k, params.mailRows.filter((row) => row.template === 'goods-arrived').length);

  const orderIdOfTask = new Map(params.taskRows.filter((row) => row.subjectType === 'PurchaseOrder').map((row) => [row.id, row.subjectId]));
  const orderIdOfReceipt = new Map(receiptRows.map((row) => [row.id, row.purchaseOrderId]));
  const orderAudit = params.auditRows
    .map((row) => ({ ...row, orderId: row.subjectType === 'PurchaseOrder' ? row.subjectId : row.subjectType === 'Task' ? orderIdOfTask.get(row.subjectId) : row.subjectType === 'GoodsReceipt' ? orderIdOfReceipt.get(row.subjectId) : undefined }))
    .filter((row): row is typeof row & { orderId: string } => row.orderId !== undefined);
  const auditOf = groupBy(orderAudit, (row) => row.orderId);
  add('audit entries of orders, their tasks and receipts', sum(ordering.map((chain) => sum(Object.values(expectedOrderEffects(chain.planned.order!).audit)))), orderAudit.length);
  const auditAsPlanned = single.filter((chain) => {
    const expected = expectedOrderEffects(chain.planned.order!).audit;
    const actual = tally(auditOf.get(byOrder(chain)!.id) ?? [], (row) => row.action);
    if (sameCounts(expected, actual)) return true;
    const off = [...new Set([...Object.keys(expected), ...actual.keys()])].filter((action) => (expected[action] ?? 0) !== (actual.get(action) ?? 0));
    const trail = (auditOf.get(byOrder(chain)!.id) ?? []).sort((a, b) => a.at.getTime() - b.at.getTime()).map((row) => `${row.action} ${row.at.toISOString().slice(11, 23)}`);
    params.findings.push(`order ${byOrder(chain)!.number} (${byOrder(chain)!.workflowId}, requisition #${chain.planned.index} ${chain.planned.plan.name}): ${off.map((action) => `${action} ${actual.get(action) ?? 0} (planned ${expected[action] ?? 0})`).join(', ')}; its entries in time order: ${trail.join(', ')}`);
    return false;
  });
  add('orders with exactly their planned audit entries (drafted, prepared, issued, received, receipt, closed)', k, auditAsPlanned.length);

  // Temporal: order runs completed (closed after their invoices), children of their requisition's run, the receipt accepted once.
  const orderRuns = tally(params.executions.filter((execution) => execution.type === 'purchaseOrderWorkflow'), (execution) => execution.status);
  add('Temporal: purchase-order workflows completed (closed after their invoices)', k, orderRuns.get('COMPLETED') ?? 0);
  add('Temporal: purchase-order workflows running, failed, terminated, cancelled or timed out', 0, sum([...orderRuns].filter(([status]) => status !== 'COMPLETED').map(([, count]) => count)));
  add('Temporal: other workflows on the queue (supplier assignment)', 0, params.executions.filter((execution) => !['purchaseOrderWorkflow', 'requisitionWorkflow', 'invoiceWorkflow'].includes(execution.type)).length);
  let linked = 0;
  let stateClosed = 0;
  let receiptUpdates = 0;
  let receivedOnce = 0;
  let decisionsAsPlanned = 0;
  for (const chain of single) {
    const order = byOrder(chain)!;
    const handle = temporal.workflow.getHandle(order.workflowId);
    const description = await handle.describe();
    if (description.parentExecution?.workflowId === chain.workflowId && description.typedSearchAttributes.get(searchKeys.documentNumber) === order.number) linked += 1;
    if (description.status.name === 'COMPLETED' && ((await handle.result()) as PurchaseOrderState).status === 'closed') stateClosed += 1;
    const history = await handle.fetchHistory();
    const accepted = (history.events ?? []).flatMap((event) => (event.workflowExecutionUpdateAcceptedEventAttributes ? [event.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.meta?.updateId ?? ''] : []));
    const receipts = accepted.filter((id) => id.startsWith('receipt:'));
    receiptUpdates += receipts.length;
    if (receipts.length === 1) receivedOnce += 1;
    // Decisions of its tasks; a claim (a task offered to a role) is an Update of its own, not counted here.
    const decisions = accepted.filter((id) => !id.startsWith('receipt:') && !id.includes(':claim:'));
    if (decisions.length === expectedOrderEffects(chain.planned.order!).decisions && new Set(decisions).size === decisions.length) decisionsAsPlanned += 1;
  }
  add('Temporal: order runs children of their requisition run, DocumentNumber = PO number', k, linked);
  add("Temporal: order runs whose result says 'closed'", k, stateClosed);
  add('Temporal: receiveGoods Updates accepted (one per order)', k, receiptUpdates, receiptUpdates === k && receivedOnce === k);
  add('Temporal: orders whose task decisions were accepted once each', k, decisionsAsPlanned);

  return {
    orders: orderRows.length,
    byStatus: Object.fromEntries(tally(orderRows, (row) => row.status)),
    approvedAboveThreshold: approvals,
    receipts: receiptRows.length,
    receiptUpdates,
    stock: Object.fromEntries([...plannedStock.keys()].map((key) => [key, Number(balances.find((row) => `${row.location} ${row.item} ${row.unit}` === key)?.quantity ?? 0)])),
  };
}
