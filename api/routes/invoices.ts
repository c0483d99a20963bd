import { z } from '@hono/zod-openapi';
import {
  accountingExportSchema,
  createAccountingExportBody,
  createInvoiceBody,
  createPaymentRunBody,
  exportFormatQuery,
  invoiceListQuery,
  invoiceSchema,
  invoiceSummarySchema,
  matchingPolicySchema,
  pageOf,
  paginationQuery,
  paymentProposalQuery,
  paymentProposalSchema,
  paymentRunSchema,
  recordPaymentBody,
  supplierTolerancesSchema,
  supplierTolerancesView,
} from '@p2p/domain';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const idParam = z.object({ id: z.uuid() });
const supplierParam = z.object({ supplierId: z.uuid() });

const list = createRoute({
  method: 'get',
  path: '/invoices',
  operationId: 'listInvoices',
  tags: ['invoices'],
  summary: 'Supplier invoices and credit notes, newest first, by supplier, PO, status, kind and due date',
  request: { query: paginationQuery.extend(invoiceListQuery.shape) },
  responses: {
    200: {
      ...jsonResponse(pageOf(invoiceSummarySchema), 'A page of invoices'),
      links: {
        get: { operationId: 'getInvoice', parameters: { id: '$response.body#/items/0/id' }, description: 'The newest invoice' },
        order: { operationId: 'getPurchaseOrder', parameters: { id: '$response.body#/items/0/purchaseOrderId' }, description: 'Its purchase order' },
        history: { operationId: 'getProcessHistory', parameters: { workflowId: '$response.body#/items/0/workflowId' }, description: 'Its match process' },
      },
    },
    ...problemResponses('forbidden'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/invoices',
  operationId: 'createInvoice',
  idempotencyKey: true,
  tags: ['invoices'],
  summary: 'Enter a supplier invoice (or, with `creditNoteFor`, a credit note): its match process starts at once',
  description:
    'Lines name PO lines with quantity and unit price; line amounts (quantity x price, to the cent) plus tax must equal the total exactly, or the invoice is refused naming the difference. A duplicate invoice number of the supplier is 409. An invoice bills positive quantities; a credit note credits goods (negative quantity) or price (negative unit price), is negative in total and never larger than what is left of the invoice it corrects. `Idempotency-Key` makes a retry the same invoice.',
  request: { body: jsonBody(createInvoiceBody) },
  responses: {
    201: {
      ...jsonResponse(invoiceSchema, 'Entered; `status` is `matching` until its first match'),
      links: { get: { operationId: 'getInvoice', parameters: { id: '$response.body#/id' }, description: 'The invoice with its holds and match table' } },
    },
    ...problemResponses('forbidden', 'conflict', 'idempotency_mismatch'),
  },
});

const get = createRoute({
  method: 'get',
  path: '/invoices/{id}',
  operationId: 'getInvoice',
  tags: ['invoices'],
  summary: 'One invoice: status, holds (open and released), the match table line by line, credit notes, approval and payment',
  request: { params: idParam },
  responses: { 200: jsonResponse(invoiceSchema, 'The invoice'), ...problemResponses('not_found') },
});

const pay = createRoute({
  method: 'post',
  path: '/invoices/{id}/payment',
  operationId: 'payInvoice',
  tags: ['invoices'],
  summary: 'Record that an approved invoice was paid (reference, date, amount): once',
  description: 'The amount is the open amount (the total net of credit notes), or that less the early-payment discount when paid by the discount’s last day. A second payment, or paying a rejected or unapproved invoice, is 409.',
  request: { params: idParam, body: jsonBody(recordPaymentBody) },
  responses: { 200: jsonResponse(invoiceSchema, 'Paid'), ...problemResponses('forbidden', 'not_found', 'conflict') },
});

const proposal = createRoute({
  method: 'get',
  path: '/payment-runs/proposal',
  operationId: 'proposePaymentRun',
  tags: ['payments'],
  summary: 'Approved invoices due up to a date, per supplier with totals and the early-payment discounts still available',
  request: { query: paymentProposalQuery },
  responses: { 200: jsonResponse(paymentProposalSchema, 'What a payment run would pay'), ...problemResponses('forbidden') },
});

const createRun = createRoute({
  method: 'post',
  path: '/payment-runs',
  operationId: 'createPaymentRun',
  idempotencyKey: true,
  tags: ['payments'],
  summary: 'Pay the selected due invoices in one step: each is marked paid once, by its own process',
  description: '`Idempotency-Key` makes a retry the same run; a retry pays what the first attempt did not reach.',
  request: { body: jsonBody(createPaymentRunBody) },
  responses: {
    201: { ...jsonResponse(paymentRunSchema, 'The run, with each invoice’s status after it'), links: { get: { operationId: 'getPaymentRun', parameters: { id: '$response.body#/id' }, description: 'The run' } } },
    ...problemResponses('forbidden', 'conflict', 'idempotency_mismatch'),
  },
});

const listRuns = createRoute({
  method: 'get',
  path: '/payment-runs',
  operationId: 'listPaymentRuns',
  tags: ['payments'],
  summary: 'Payment runs, newest first',
  request: { query: paginationQuery },
  responses: { 200: { ...jsonResponse(pageOf(paymentRunSchema), 'A page of runs'), links: { get: { operationId: 'getPaymentRun', parameters: { id: '$response.body#/items/0/id' }, description: 'The newest run' } } }, ...problemResponses('forbidden') },
});

const getRun = createRoute({
  method: 'get',
  path: '/payment-runs/{id}',
  operationId: 'getPaymentRun',
  tags: ['payments'],
  summary: 'One payment run with its invoices',
  request: { params: idParam },
  responses: { 200: jsonResponse(paymentRunSchema, 'The run'), ...problemResponses('forbidden', 'not_found') },
});

const createExport = createRoute({
  method: 'post',
  path: '/accounting-exports',
  operationId: 'createAccountingExport',
  tags: ['accounting exports'],
  summary: 'Hand approved invoices to the accounting system as bills: every one not exported yet, or the named ones again',
  description: 'Exported invoices are marked with the export, so the next export leaves them out; naming `invoiceIds` exports them again (a re-export). 409 when there is nothing new to export.',
  request: { body: jsonBody(createAccountingExportBody) },
  responses: {
    201: {
      ...jsonResponse(accountingExportSchema, 'The export'),
      links: {
        get: { operationId: 'getAccountingExport', parameters: { id: '$response.body#/id' }, description: 'The export' },
        bills: { operationId: 'getAccountingExportBills', parameters: { id: '$response.body#/id' }, description: 'Its bills as a file' },
      },
    },
    ...problemResponses('forbidden', 'conflict'),
  },
});

const listExports = createRoute({
  method: 'get',
  path: '/accounting-exports',
  operationId: 'listAccountingExports',
  tags: ['accounting exports'],
  summary: 'Accounting exports, newest first',
  request: { query: paginationQuery },
  responses: { 200: { ...jsonResponse(pageOf(accountingExportSchema), 'A page of exports'), links: { get: { operationId: 'getAccountingExport', parameters: { id: '$response.body#/items/0/id' }, description: 'The newest export' } } }, ...problemResponses('forbidden') },
});

const getExport = createRoute({
  method: 'get',
  path: '/accounting-exports/{id}',
  operationId: 'getAccountingExport',
  tags: ['accounting exports'],
  summary: 'One accounting export',
  request: { params: idParam },
  responses: { 200: jsonResponse(accountingExportSchema, 'The export'), ...problemResponses('forbidden', 'not_found') },
});

const bills = createRoute({
  method: 'get',
  path: '/accounting-exports/{id}/bills',
  operationId: 'getAccountingExportBills',
  tags: ['accounting exports'],
  summary: 'An export’s bills: JSON close to QuickBooks Online’s Bill (vendor ref, lines with account and class refs), or CSV with one row per bill line',
  request: { params: idParam, query: exportFormatQuery },
  responses: {
    200: { description: 'The bills', content: { 'application/json': { schema: z.array(z.record(z.string(), z.unknown())) }, 'text/csv': { schema: z.string() } } },
    ...problemResponses('forbidden', 'not_found'),
  },
});

const getPolicy = createRoute({
  method: 'get',
  path: '/policies/matching',
  operationId: 'getMatchingPolicy',
  tags: ['policies'],
  summary: 'The matching policy: quantity, price (lower and upper, percent and amount per unit) and header tolerances, the auto-approve limit and the waiting periods',
  responses: { 200: jsonResponse(matchingPolicySchema, 'The policy'), ...problemResponses('forbidden') },
});

const putPolicy = createRoute({
  method: 'put',
  path: '/policies/matching',
  operationId: 'putMatchingPolicy',
  tags: ['policies'],
  summary: 'Change the matching policy (admin); running matches keep the policy they started with',
  request: { body: jsonBody(matchingPolicySchema) },
  responses: { 200: jsonResponse(matchingPolicySchema, 'The new policy'), ...problemResponses('forbidden') },
});

const listTolerances = createRoute({
  method: 'get',
  path: '/policies/matching/suppliers',
  operationId: 'listSupplierTolerances',
  tags: ['policies'],
  summary: 'Suppliers with tolerances of their own, and what applies to them',
  responses: { 200: jsonResponse(z.object({ items: z.array(supplierTolerancesView) }), 'The overrides'), ...problemResponses('forbidden') },
});

const putTolerances = createRoute({
  method: 'put',
  path: '/policies/matching/suppliers/{supplierId}',
  operationId: 'putSupplierTolerances',
  tags: ['policies'],
  summary: 'Give a supplier tolerances of its own (admin): what it names replaces the company’s',
  request: { params: supplierParam, body: jsonBody(supplierTolerancesSchema) },
  responses: { 200: jsonResponse(supplierTolerancesView, 'The supplier’s tolerances'), ...problemResponses('forbidden', 'not_found') },
});

const deleteTolerances = createRoute({
  method: 'delete',
  path: '/policies/matching/suppliers/{supplierId}',
  operationId: 'deleteSupplierTolerances',
  tags: ['policies'],
  summary: 'Remove a supplier’s own tolerances (admin): the company’s apply again',
  request: { params: supplierParam },
  responses: { 204: { description: 'Removed' }, ...problemResponses('forbidden', 'not_found') },
});

export function invoiceRoutes(services: Services) {
  const router = createRouter();
  router.openapi(list, async (c) => {
    const { limit, cursor, ...filters } = c.req.valid('query');
    const rows = await services.invoices.list(requireActor(c), { ...filters, limit: limit + 1, before: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });
  router.openapi(create, async (c) => c.json(await services.invoices.create(requireActor(c), c.req.valid('json'), c.req.header('idempotency-key'), auditContextOf(c)), 201));
  router.openapi(get, async (c) => c.json(await services.invoices.get(requireActor(c), c.req.valid('param').id), 200));
  router.openapi(pay, async (c) => c.json(await services.invoices.pay(requireActor(c), c.req.valid('param').id, c.req.valid('json')), 200));

  router.openapi(proposal, async (c) => c.json(await services.invoices.paymentProposal(requireActor(c), c.req.valid('query').dueBy), 200));
  router.openapi(createRun, async (c) => c.json(await services.invoices.createPaymentRun(requireActor(c), c.req.valid('json'), c.req.header('idempotency-key'), auditContextOf(c)), 201));
  router.openapi(listRuns, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await services.invoices.paymentRuns(requireActor(c), { limit: limit + 1, before: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });
  router.openapi(getRun, async (c) => c.json(await services.invoices.paymentRun(requireActor(c), c.req.valid('param').id), 200));

  router.openapi(createExport, async (c) => c.json(await services.invoices.createExport(requireActor(c), c.req.valid('json'), auditContextOf(c)), 201));
  router.openapi(listExports, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await services.invoices.exports(requireActor(c), { limit: limit + 1, before: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });
  router.openapi(getExport, async (c) => c.json(await services.invoices.export(requireActor(c), c.req.valid('param').id), 200));
  router.openapi(bills, async (c) => {
    const format = c.req.valid('query').format;
    const file = await services.invoices.bills(requireActor(c), c.req.valid('param').id, format, auditContextOf(c));
    return c.body(file.body, 200, { 'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="${file.filename}"` });
  });

  router.openapi(getPolicy, async (c) => c.json(await services.invoices.policy(requireActor(c)), 200));
  router.openapi(putPolicy, async (c) => c.json(await services.invoices.putPolicy(requireActor(c), c.req.valid('json'), auditContextOf(c)), 200));
  router.openapi(listTolerances, async (c) => c.json({ items: await services.invoices.supplierTolerances(requireActor(c)) }, 200));
  router.openapi(putTolerances, async (c) => c.json(await services.invoices.putSupplierTolerances(requireActor(c), c.req.valid('param').supplierId, c.req.valid('json'), auditContextOf(c)), 200));
  router.openapi(deleteTolerances, async (c) => {
    await services.invoices.deleteSupplierTolerances(requireActor(c), c.req.valid('param').supplierId, auditContextOf(c));
    return c.body(null, 204);
  });
  return router;
}
