import { z } from '@hono/zod-openapi';
import { chars, pageOf, paginationQuery } from '@p2p/domain';
import { findMail, listOutbox } from '../../db/queries/mail.ts';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { AppError } from '../errors.ts';
import { createRoute, createRouter, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { requireActor } from './require-actor.ts';

const mailItem = z.object({
  id: z.string(),
  template: z.string(),
  toAddress: z.string(),
  subject: z.string(),
  status: z.string(),
  processId: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  /** Files sent with it (a purchase order's PDF). */
  attachments: z.array(z.object({ filename: z.string(), contentType: z.string() })),
});

const list = createRoute({
  method: 'get',
  path: '/outbox',
  operationId: 'listOutbox',
  tags: ['outbox'],
  summary: 'Sent mail, newest first (dev mode: everyone; production: admins and auditors)',
  request: { query: paginationQuery.extend({ processId: chars(200).optional() }) },
  responses: {
    200: { ...jsonResponse(pageOf(mailItem), 'A page of mail'), links: { get: { operationId: 'getMail', parameters: { id: '$response.body#/items/0/id' }, description: 'The newest mail' } } },
    ...problemResponses('forbidden'),
  },
});

const get = createRoute({
  method: 'get',
  path: '/outbox/{id}',
  operationId: 'getMail',
  tags: ['outbox'],
  summary: 'One mail with its HTML and text parts',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonResponse(mailItem.extend({ html: z.string(), text: z.string() }), 'The mail'), ...problemResponses('forbidden') },
});

/** The dev outbox is the mail client of dev mode; in production it is an admin's and auditor's record. */
function requireOutboxReader(c: Context<AppEnv>) {
  const actor = requireActor(c);
  if (!c.var.deps.config.devMode && !actor.ability.can('read', 'Outbox')) throw new AppError('forbidden', 'Only admins and auditors read the outbox');
}

const iso = (date: Date | null) => date?.toISOString() ?? null;
const files = (attachments: readonly { filename: string; contentType: string }[] | null) => (attachments ?? []).map(({ filename, contentType }) => ({ filename, contentType }));

export function outboxRoutes() {
  const router = createRouter();
  router.openapi(list, async (c) => {
    requireOutboxReader(c);
    const { limit, cursor, processId } = c.req.valid('query');
    const rows = await listOutbox(c.var.deps.db, { limit: limit + 1, ...(cursor ? { before: cursor } : {}), ...(processId ? { processId } : {}) });
    const mails = rows.map((row) => ({ id: row.id, template: row.template, toAddress: row.toAddress, subject: row.subject, status: row.status, processId: row.processId, createdAt: row.createdAt.toISOString(), sentAt: iso(row.sentAt), attachments: files(row.attachments) }));
    return c.json(pageFrom(mails, limit, (last) => last.id), 200);
  });
  router.openapi(get, async (c) => {
    requireOutboxReader(c);
    const row = await findMail(c.var.deps.db, c.req.valid('param').id);
    if (!row) throw new AppError('not_found', 'No such mail');
    return c.json({ id: row.id, template: row.template, toAddress: row.toAddress, subject: row.subject, status: row.status, processId: row.processId, createdAt: row.createdAt.toISOString(), sentAt: iso(row.sentAt), attachments: files(row.attachments), html: row.html, text: row.text }, 200);
  });
  return router;
}
