import { createHash, randomUUID } from 'node:crypto';
import { ForbiddenError, subject } from '@casl/ability';
import { and, asc, eq, sql } from 'drizzle-orm';
import {
  acceptedQuantity,
  openQuantity,
  purchasingPolicySchema,
  type CreateReceiptBody,
  type CreateReturnBody,
  type PurchaseOrder,
  type PurchaseOrderStatus,
  type PurchaseOrderSummary,
  type PurchasingPolicy,
  type Receipt,
  type RevisePurchaseOrderBody,
  type SupplierLinkView,
  type SupplierResponseBody,
} from '@p2p/domain';
import { readPurchasingPolicy } from '../../activities/purchase-orders.ts';
import { planChangeOrder } from '../../activities/purchase-order-changes.ts';
import { createSupplierLinks } from '../../activities/supplier-links.ts';
import { companyProfileFromEnv } from '../../activities/documents/company.ts';
import { appendAudit } from '../../db/queries/audit.ts';
import {
  findDocument,
  findPurchaseOrder,
  findReceipt,
  listPurchaseOrders,
  draftLines,
  listRevisions,
  moveLinesToOrder,
  refreshRequesterIds,
  receiptsByIds,
  receiptsOfOrder,
  refreshOrderMoney,
  requisitionIdsOfLines,
  type LoadedReceipt,
  type PurchaseOrderWithLines,
} from '../../db/queries/purchasing.ts';
import { findSupplierById } from '../../db/queries/suppliers.ts';
import { setOpenTaskLines } from '../../db/queries/tasks.ts';
import { findRequisitionHeading, writePolicy } from '../../db/queries/requisitions.ts';
import { findUserById } from '../../db/queries/users.ts';
import { goodsReceipts, purchaseOrders } from '../../db/schema/index.ts';
import { cancelOrder, receiveGoods, returnGoods, reviseOrder, supplierRespond } from '../../workflows/purchase-order.workflow.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, invalidFields as invalid } from '../errors.ts';
import { accessWhere } from './access.ts';
import type { AuditContext } from './audit-context.ts';
import { toProcessError } from './process-errors.ts';

export const PURCHASING_POLICY = 'purchasing';

const orderColumns = { id: purchaseOrders.id, supplierId: purchaseOrders.supplierId, status: purchaseOrders.status, requesterIds: purchaseOrders.requesterIds };

/** A request id from the client's Idempotency-Key (the same key names the same receipt, return or change), else a fresh one. */
export function requestIdFrom(actorId: string, key: string | undefined, purpose: string): string {
  if (!key) return randomUUID();
  const hex = createHash('sha256').update(`${purpose}\n${actorId}\n${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}


export type PurchaseOrderService = ReturnType<typeof createPurchaseOrderService>;

export function createPurchaseOrderService(deps: Pick<ApiDeps, 'db' | 'clock' | 'temporal' | 'config' | 'actionLinkSecret'>) {
  const { db, clock, temporal } = deps;
  const supplierLinks = createSupplierLinks({ db, secret: deps.actionLinkSecret, publicUrl: deps.config.publicUrl, clock });
  const company = companyProfileFromEnv(deps.config);

  const pdfUrl = (id: string, revision: number) => `/api/v1/purchase-orders/${id}/pdf?revision=${revision}`;

  async function loadReadable(actor: RequestActor, id: string): Promise<PurchaseOrderWithLines> {
    const order = await findPurchaseOrder(db, id);
    if (!order || !actor.ability.can('read', subject('PurchaseOrder', { ...order }))) throw new AppError('not_found', 'No such purchase order');
    return order;
  }

  function require(actor: RequestActor, action: 'update' | 'cancel' | 'issue', order: PurchaseOrderWithLines) {
    ForbiddenError.from(actor.ability).throwUnlessCan(action, subject('PurchaseOrder', { ...order }));
  }

  function toSummary(order: PurchaseOrderWithLines | typeof purchaseOrders.$inferSelect, supplierName: string, requisitionNumber: string | null): PurchaseOrderSummary {
    return {
      id: order.id,
      number: order.number,
      status: order.status,
      revision: order.revision,
      supplierId: order.supplierId,
      supplierName,
      requisitionId: order.requisitionId,
      requisitionNumber,
      currency: order.currency,
      total: order.total,
      deliveryDate: order.deliveryDate,
      acknowledgement: order.acknowledgement,
      workflowId: order.workflowId,
      createdAt: order.createdAt.toISOString(),
      issuedAt: order.issuedAt?.toISOString() ?? null,
    };
  }

  function toReceipt(receipt: LoadedReceipt): Receipt {
    return {
      id: receipt.id,
      number: receipt.number,
      purchaseOrderId: receipt.purchaseOrderId,
      purchaseOrderNumber: receipt.purchaseOrderNumber,
      receivedById: receipt.receivedById,
      receivedAt: receipt.receivedAt.toISOString(),
      deliveryNote: receipt.deliveryNote,
      note: receipt.note,
      lines: receipt.lines.map(({ line, poLine }) => ({ id: line.id, purchaseOrderLineId: line.purchaseOrderLineId, lineNo: poLine.lineNo, description: poLine.description, unit: poLine.unit, quantityReceived: line.quantityReceived, quantityRejected: line.quantityRejected, quantityReturned: line.quantityReturned, location: line.location })),
      returns: receipt.returns.map((row) => ({ id: row.id, number: row.number, receiptId: row.receiptId, reason: row.reason, returnedById: row.returnedById, returnedAt: row.returnedAt.toISOString(), lines: row.lines.map((line) => ({ receiptLineId: line.receiptLineId, purchaseOrderLineId: line.purchaseOrderLineId, quantity: line.quantity })) })),
    };
  }

  async function toPurchaseOrder(actor: RequestActor, order: PurchaseOrderWithLines): Promise<PurchaseOrder> {
    const supplier = (await findSupplierById(db, order.supplierId))!;
    const requisition = await findRequisitionHeading(db, order.requisitionId);
    const lineRequisitions = await requisitionIdsOfLines(db, order.id);
    const revisions = await listRevisions(db, order.id);
    const receipts = await receiptsOfOrder(db, order.id);
    const record = subject('PurchaseOrder', { ...order });
    const receiving = ['issued', 'partially_received'].includes(order.status);
    return {
      ...toSummary(order, supplier.name, requisition?.number ?? null),
      supplier: { id: supplier.id, name: supplier.name, email: supplier.email, paymentTermsDays: supplier.paymentTermsDays },
      requisitionIds: [...new Set([order.requisitionId, ...lineRequisitions.values()])],
      preparedById: order.preparedById,
      deliveryAddress: order.deliveryAddress,
      paymentTermsDays: order.paymentTermsDays,
      subtotal: order.subtotal,
      taxTotal: order.taxTotal,
      note: order.note,
      proposedDeliveryDate: order.proposedDeliveryDate,
      acknowledgedAt: order.acknowledgedAt?.toISOString() ?? null,
      cancelReason: order.cancelReason,
      updatedAt: order.updatedAt.toISOString(),
      closedAt: order.closedAt?.toISOString() ?? null,
      lines: order.lines.map((line) => ({
        id: line.id,
        lineNo: line.lineNo,
        requisitionLineId: line.requisitionLineId,
        requisitionId: lineRequisitions.get(line.id) ?? null,
        description: line.description,
        unit: line.unit,
        quantity: line.quantity,
        cancelledQuantity: line.cancelledQuantity,
        unitPrice: line.unitPrice,
        taxRate: line.taxRate,
        amount: line.amount,
        taxAmount: line.taxAmount,
        glCode: line.glCode,
        receivedQuantity: line.receivedQuantity,
        rejectedQuantity: line.rejectedQuantity,
        returnedQuantity: line.returnedQuantity,
        acceptedQuantity: acceptedQuantity(line),
        invoicedQuantity: line.invoicedQuantity,
        openQuantity: ['cancelled', 'draft', 'pending_approval'].includes(order.status) ? '0.0000' : openQuantity(line),
      })),
      revisions: revisions.map((row) => ({ revision: row.revision, total: row.total, reason: row.reason, createdById: row.createdById, createdAt: row.createdAt.toISOString(), pdfUrl: pdfUrl(order.id, row.revision), snapshot: { ...row.snapshot } })),
      receipts: receipts.map(toReceipt),
      can: {
        revise: receiving && actor.ability.can('update', record),
        cancel: ['draft', 'pending_approval', 'issued'].includes(order.status) && actor.ability.can('cancel', record),
        cancelRemaining: order.status === 'partially_received' && actor.ability.can('cancel', record),
        receive: receiving && actor.ability.can('create', 'GoodsReceipt'),
        moveLines: order.status === 'draft' && actor.ability.can('update', record),
      },
    };
  }

  async function handleOf(order: { workflowId: string }) {
    return (await temporal.client()).workflow.getHandle(order.workflowId);
  }

  /** A refused Update of the order (its activity named wrong fields, or the state refused) becomes the 4xx it stands for. */
  function refused(error: unknown): unknown {
    const cause = (error as { cause?: { type?: string; message?: string; details?: unknown[] } }).cause;
    if (cause?.type === 'InvalidRequest') {
      const details = cause.details?.[0] as { errors?: { path: string; message: string }[] } | undefined;
      return invalid(details?.errors?.length ? details.errors : [{ path: '(body)', message: cause.message ?? 'invalid' }]);
    }
    if (cause?.type === 'OrderStateConflict') return new AppError('conflict', cause.message);
    return toProcessError(error);
  }

  return {
    async list(actor: RequestActor, params: { limit: number; requisitionId?: string | undefined; supplierId?: string | undefined; status?: PurchaseOrderStatus | undefined; search?: string | undefined; before?: string | undefined }) {
      const access = accessWhere(actor.ability, 'read', 'PurchaseOrder', orderColumns);
      const rows = await listPurchaseOrders(db, { access, ...params });
      return rows.map((row) => ({ ...toSummary(row.order, row.supplierName, row.requisitionNumber) }));
    },

    async get(actor: RequestActor, id: string): Promise<PurchaseOrder> {
      return toPurchaseOrder(actor, await loadReadable(actor, id));
    },

    /** The PDF of a revision as it was sent (the current one by default). */
    async pdf(actor: RequestActor, id: string, revision?: number) {
      const order = await loadReadable(actor, id);
      const document = await findDocument(db, { kind: 'po_pdf', subjectId: id, revision: revision ?? order.revision });
      if (!document) throw new AppError('not_found', order.status === 'draft' || order.status === 'pending_approval' ? 'The order has not been issued yet: it has no PDF' : `Revision ${revision ?? order.revision} has no PDF`);
      return document;
    },

    async revise(actor: RequestActor, id: string, body: RevisePurchaseOrderBody, key: string | undefined): Promise<PurchaseOrder & { awaitingApproval: boolean }> {
      const order = await loadReadable(actor, id);
      require(actor, 'update', order);
      if (!['issued', 'partially_received'].includes(order.status)) throw new AppError('conflict', `The order is ${order.status.replaceAll('_', ' ')}: only an issued order can be revised`);
      const policy = await readPurchasingPolicy(db);
      const plan = planChangeOrder(order, body, policy.defaultTaxRate);
      if (plan.issues.length) throw invalid(plan.issues);
      const requestId = `revise:${requestIdFrom(actor.user.id, key, 'revise')}`;
      try {
        const answer = await (await handleOf(order)).executeUpdate(reviseOrder, { updateId: requestId, args: [{ requestId, actorId: actor.user.id, change: body }] });
        return { ...(await toPurchaseOrder(actor, (await findPurchaseOrder(db, id))!)), awaitingApproval: answer.awaitingApproval };
      } catch (error) {
        throw refused(error);
      }
    },

    async cancel(actor: RequestActor, id: string, reason: string, remainingOnly: boolean, key: string | undefined): Promise<PurchaseOrder> {
      const order = await loadReadable(actor, id);
      require(actor, 'cancel', order);
      const requestId = `cancel:${requestIdFrom(actor.user.id, key, remainingOnly ? 'cancel-remaining' : 'cancel')}`;
      try {
        await (await handleOf(order)).executeUpdate(cancelOrder, { updateId: requestId, args: [{ requestId, actorId: actor.user.id, reason, remainingOnly }] });
      } catch (error) {
        throw refused(error);
      }
      return toPurchaseOrder(actor, (await findPurchaseOrder(db, id))!);
    },

    /**
     * Moves lines between drafts to the same supplier (SPEC 4.2), lines of
     * other approved requisitions included. The drafts' prepare tasks list
     * their lines, so they follow in the same transaction; a draft left
     * without lines is cancelled by its process.
     */
    async moveLines(actor: RequestActor, id: string, body: { lineIds: string[]; toPurchaseOrderId: string }, audit: AuditContext): Promise<PurchaseOrder> {
      if (body.toPurchaseOrderId === id) throw invalid([{ path: 'toPurchaseOrderId', message: 'must be another draft' }]);
      const emptied = await db.transaction(async (tx) => {
        const [first, second] = [id, body.toPurchaseOrderId].sort();
        const locked = new Map([[first!, await findPurchaseOrder(tx, first!, { lock: true })], [second!, await findPurchaseOrder(tx, second!, { lock: true })]]);
        const source = locked.get(id);
        const target = locked.get(body.toPurchaseOrderId);
        if (!source || !actor.ability.can('read', subject('PurchaseOrder', { ...source }))) throw new AppError('not_found', 'No such purchase order');
        require(actor, 'update', source);
        if (!target) throw invalid([{ path: 'toPurchaseOrderId', message: 'no such purchase order' }]);
        if (source.status !== 'draft' || target.status !== 'draft') throw new AppError('conflict', 'Lines move only between drafts');
        if (source.supplierId !== target.supplierId) throw invalid([{ path: 'toPurchaseOrderId', message: 'a draft to another supplier' }]);
        const lineIds = new Set(source.lines.map((line) => line.id));
        const errors = body.lineIds.flatMap((lineId, index) => (lineIds.has(lineId) ? [] : [{ path: `lineIds.${index}`, message: 'not a line of this draft' }]));
        if (errors.length) throw invalid(errors);
        const now = clock();
        await moveLinesToOrder(tx, { lineIds: body.lineIds, fromOrderId: source.id, to: target });
        const after = { source: await refreshOrderMoney(tx, source.id, now), target: await refreshOrderMoney(tx, target.id, now) };
        // Requesters of moved lines read the order they are now on (an emptied draft keeps its readers).
        await refreshRequesterIds(tx, target.id);
        await refreshRequesterIds(tx, source.id);
        // The open prepare steps price exactly the lines their order has.
        for (const order of [after.source, after.target]) await setOpenTaskLines(tx, { processId: order.workflowId, kind: 'po_prepare', lines: draftLines(order) });
        await appendAudit(tx, { ...audit, at: now, action: 'purchase_order.lines_moved', subjectType: 'PurchaseOrder', subjectId: source.id, before: { lines: source.lines.length, total: source.total }, after: { to: target.id, lineIds: body.lineIds, total: after.source.total, targetTotal: after.target.total } });
        return after.source.lines.length === 0 ? source : null;
      });
      if (emptied) {
        const requestId = `cancel:moved:${emptied.id}`;
        await (await handleOf(emptied)).executeUpdate(cancelOrder, { updateId: requestId, args: [{ requestId, actorId: actor.user.id, reason: 'every line moved to another draft', remainingOnly: false }] }).catch((error: unknown) => {
          throw refused(error);
        });
      }
      return toPurchaseOrder(actor, (await findPurchaseOrder(db, body.toPurchaseOrderId))!);
    },

    async receive(actor: RequestActor, body: CreateReceiptBody, key: string | undefined): Promise<Receipt> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'GoodsReceipt');
      const order = await findPurchaseOrder(db, body.purchaseOrderId);
      if (!order || !actor.ability.can('read', subject('PurchaseOrder', { ...order }))) throw invalid([{ path: 'purchaseOrderId', message: 'no such purchase order' }]);
      const receiptId = requestIdFrom(actor.user.id, key, 'receipt');
      try {
        await (await handleOf(order)).executeUpdate(receiveGoods, { updateId: `receipt:${receiptId}`, args: [{ receiptId, actorId: actor.user.id, body }] });
      } catch (error) {
        throw refused(error);
      }
      return this.receipt(actor, receiptId);
    },

    async receipt(actor: RequestActor, id: string): Promise<Receipt> {
      const found = await findReceipt(db, id);
      if (!found || !actor.ability.can('read', 'GoodsReceipt')) throw new AppError('not_found', 'No such goods receipt');
      return toReceipt(found);
    },

    async receipts(actor: RequestActor, params: { purchaseOrderId?: string | undefined; limit: number; after?: string | undefined }): Promise<Receipt[]> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'GoodsReceipt');
      const { after } = params;
      const rows = await db
        .select({ id: goodsReceipts.id })
        .from(goodsReceipts)
        .where(
          and(
            params.purchaseOrderId ? eq(goodsReceipts.purchaseOrderId, params.purchaseOrderId) : undefined,
            after ? sql`(${goodsReceipts.receivedAt}, ${goodsReceipts.id}) > (select g.received_at, g.id from goods_receipts g where g.id = ${after})` : undefined,
          ),
        )
        .orderBy(asc(goodsReceipts.receivedAt), asc(goodsReceipts.id))
        .limit(params.limit);
      return (await receiptsByIds(db, rows.map((row) => row.id))).map(toReceipt);
    },

    async returnGoods(actor: RequestActor, receiptId: string, body: CreateReturnBody, key: string | undefined): Promise<Receipt> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'GoodsReceipt');
      const receipt = await findReceipt(db, receiptId);
      if (!receipt) throw new AppError('not_found', 'No such goods receipt');
      const order = (await findPurchaseOrder(db, receipt.purchaseOrderId))!;
      const returnId = requestIdFrom(actor.user.id, key, `return:${receiptId}`);
      try {
        await (await handleOf(order)).executeUpdate(returnGoods, { updateId: `return:${returnId}`, args: [{ returnId, receiptId, actorId: actor.user.id, body }] });
      } catch (error) {
        throw refused(error);
      }
      return this.receipt(actor, receiptId);
    },

    /** What a supplier's link shows: this order only, and whether the link still works. GET changes nothing. */
    async supplierLinkView(token: string): Promise<SupplierLinkView> {
      const checked = await supplierLinks.check(token);
      const link = checked.ok ? checked.link : checked.link;
      if (!link) return { state: checked.ok ? 'open' : checked.reason === 'expired' ? 'expired' : 'invalid', purchaseOrder: null, response: null, expiresAt: null };
      const order = (await findPurchaseOrder(db, link.purchaseOrderId))!;
      const supplier = (await findSupplierById(db, order.supplierId))!;
      const buyer = order.preparedById ? await findUserById(db, order.preparedById) : undefined;
      const state: SupplierLinkView['state'] = !checked.ok ? 'used' : ['cancelled', 'closed'].includes(order.status) ? 'closed' : link.revision !== order.revision ? 'superseded' : 'open';
      return {
        state,
        purchaseOrder: {
          number: order.number ?? '',
          revision: link.revision,
          companyName: company.name,
          supplierName: supplier.name,
          buyerName: buyer?.name ?? null,
          buyerEmail: buyer?.email ?? null,
          deliveryDate: order.deliveryDate,
          deliveryAddress: order.deliveryAddress,
          currency: order.currency,
          total: order.total,
          lines: order.lines.map((line) => ({ lineNo: line.lineNo, description: line.description, quantity: line.quantity, unit: line.unit, unitPrice: line.unitPrice, amount: line.amount })),
        },
        response: link.response && link.usedAt ? { action: link.response.action, deliveryDate: link.response.deliveryDate ?? null, comment: link.response.comment ?? null, at: link.usedAt.toISOString() } : null,
        expiresAt: link.expiresAt.toISOString(),
      };
    },

    /** The supplier confirms or proposes a date: the order's process records it once (the link's id is the Update's). */
    async supplierRespond(token: string, body: SupplierResponseBody): Promise<SupplierLinkView> {
      const checked = await supplierLinks.check(token);
      if (!checked.ok) {
        if (checked.reason === 'used') throw new AppError('conflict', 'This link has already been used', { extra: { reason: 'used' } });
        if (checked.reason === 'expired') throw new AppError('gone', 'This link has expired; contact the buyer', { extra: { reason: 'expired' } });
        throw new AppError('not_found', 'This link is not valid', { extra: { reason: checked.reason } });
      }
      const order = (await findPurchaseOrder(db, checked.link.purchaseOrderId))!;
      if (checked.link.revision !== order.revision) throw new AppError('conflict', `This link is for revision ${checked.link.revision}; the order has been revised since (revision ${order.revision})`, { extra: { reason: 'superseded' } });
      try {
        await (await handleOf(order)).executeUpdate(supplierRespond, { updateId: `supplier-link:${checked.link.id}`, args: [{ linkId: checked.link.id, response: body }] });
      } catch (error) {
        throw refused(error);
      }
      return this.supplierLinkView(token);
    },

    async policy(actor: RequestActor): Promise<PurchasingPolicy> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Policy');
      return readPurchasingPolicy(db);
    },

    async putPolicy(actor: RequestActor, body: PurchasingPolicy, audit: AuditContext): Promise<PurchasingPolicy> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Policy');
      const value = purchasingPolicySchema.parse(body);
      await db.transaction(async (tx) => {
        const before = await readPurchasingPolicy(tx);
        await writePolicy(tx, { name: PURCHASING_POLICY, value, updatedBy: actor.user.id, now: clock() });
        await appendAudit(tx, { ...audit, at: clock(), action: 'policy.updated', subjectType: 'Policy', subjectId: PURCHASING_POLICY, before, after: value });
      });
      return value;
    },

    /** The receiving page's lookup: issued orders whose number matches. */
    async receivable(actor: RequestActor, search: string) {
      const access = accessWhere(actor.ability, 'read', 'PurchaseOrder', orderColumns);
      const rows = await listPurchaseOrders(db, { access, search, limit: 20 });
      return rows.filter((row) => ['issued', 'partially_received'].includes(row.order.status)).map((row) => toSummary(row.order, row.supplierName, row.requisitionNumber));
    },
  };
}

