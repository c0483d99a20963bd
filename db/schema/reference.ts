import { boolean, integer, numeric, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { timestampColumn as at, users } from './users.ts';

export const suppliers = pgTable('suppliers', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** Where purchase orders are sent. */
  email: text('email').notNull(),
  paymentTermsDays: integer('payment_terms_days').notNull(),
  taxId: text('tax_id'),
  /** The supplier's contact person (personal data: erased on request, db/queries/personal-data.ts). */
  contactName: text('contact_name'),
  /** Personal data, encrypted at rest: `enc:v1:<key id>:<iv>:<tag>:<ciphertext>` (db/encryption.ts); never read in SQL. */
  phone: text('phone'),
  /** Personal data, encrypted at rest like `phone`. */
  address: text('address'),
  /** When the contact data was anonymised (an erasure request or a retention disposal); null while it is held. */
  contactAnonymisedAt: at('contact_anonymised_at'),
  /** Early-payment discount (2/10 net 30): percent off when paid within `discountDays` of the invoice date. */
  discountPercent: numeric('discount_percent', { precision: 5, scale: 2 }),
  discountDays: integer('discount_days'),
  active: boolean('active').notNull().default(true),
  createdAt: at('created_at').notNull().defaultNow(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

export const projects = pgTable('projects', {
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: at('created_at').notNull().defaultNow(),
});

export const projectMembers = pgTable(
  'project_members',
  {
    projectId: uuid('project_id').notNull().references(() => projects.id),
    userId: uuid('user_id').notNull().references(() => users.id),
  },
  (table) => [primaryKey({ columns: [table.projectId, table.userId] })],
);

export type SupplierRow = typeof suppliers.$inferSelect;
export type ProjectRow = typeof projects.$inferSelect;
