import { sql } from 'drizzle-orm';
import { check, date, index, integer, jsonb, numeric, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import type { ApprovalLevel, ApprovalPolicy, Purpose, RequisitionStatus } from '@p2p/domain';
import { projects, suppliers } from './reference.ts';
import { timestampColumn as at, users } from './users.ts';

export const requisitions = pgTable(
  'requisitions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** REQ-<year>-<seq>, allocated once at the first submission. */
    number: text('number').unique(),
    requesterId: uuid('requester_id').notNull().references(() => users.id),
    title: text('title').notNull(),
    purpose: text('purpose').$type<Purpose>().notNull(),
    projectId: uuid('project_id').references(() => projects.id),
    neededBy: date('needed_by', { mode: 'string' }),
    status: text('status').$type<RequisitionStatus>().notNull().default('draft'),
    total: numeric('total', { precision: 18, scale: 2 }).notNull(),
    workflowId: text('workflow_id'),
    /** The policy the running chain started with (a later policy change does not touch it). */
    policy: jsonb('policy').$type<ApprovalPolicy>(),
    /** The planned chain of the current round. */
    chain: jsonb('chain').$type<ApprovalLevel[]>(),
    /** Restarts of the chain after an amendment that changed the total. */
    round: integer('round').notNull().default(0),
    /** Bumped by every edit: amendments are detected by it. */
    version: integer('version').notNull().default(1),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    submittedAt: at('submitted_at'),
    decidedAt: at('decided_at'),
  },
  (table) => [
    index('requisitions_requester_idx').on(table.requesterId, table.createdAt),
    index('requisitions_status_idx').on(table.status, table.createdAt),
    // Reports narrowed to a project (project details read a page at a time: each page reads the project's records only).
    index('requisitions_project_idx').on(table.projectId, table.createdAt),
    // Retention: ended requisitions by the date they ended (nothing changes one after its end).
    index('requisitions_ended_idx').on(table.updatedAt).where(sql`${table.status} in ('rejected', 'withdrawn', 'closed')`),
    check('requisitions_total_positive', sql`${table.total} >= 0`),
  ],
);

export const requisitionLines = pgTable(
  'requisition_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requisitionId: uuid('requisition_id').notNull().references(() => requisitions.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    description: text('description').notNull(),
    quantity: numeric('quantity', { precision: 18, scale: 4 }).notNull(),
    unit: text('unit').notNull(),
    unitPrice: numeric('unit_price', { precision: 18, scale: 4 }).notNull(),
    amount: numeric('amount', { precision: 18, scale: 2 }).notNull(),
    supplierId: uuid('supplier_id').references(() => suppliers.id),
    glCode: text('gl_code'),
  },
  (table) => [unique('requisition_lines_no').on(table.requisitionId, table.lineNo), check('requisition_lines_quantity_positive', sql`${table.quantity} > 0`)],
);

/** Gapless document numbers per kind and year (REQ, PO, GR, ...), allocated inside the writing transaction. */
export const documentSequences = pgTable(
  'document_sequences',
  {
    kind: text('kind').notNull(),
    year: integer('year').notNull(),
    lastValue: integer('last_value').notNull(),
  },
  (table) => [primaryKey({ columns: [table.kind, table.year] })],
);

/** Admin-editable policies, one row per policy name. */
export const policies = pgTable('policies', {
  name: text('name').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id),
});

export type RequisitionRow = typeof requisitions.$inferSelect;
export type RequisitionLineRow = typeof requisitionLines.$inferSelect;
