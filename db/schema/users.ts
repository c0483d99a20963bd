import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Role } from '@p2p/domain';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    roles: text('roles').array().$type<Role[]>().notNull(),
    managerId: uuid('manager_id').references((): AnyPgColumn => users.id),
    department: text('department'),
    active: boolean('active').notNull().default(true),
    /** Demo accounts carry a known password: they only sign in in dev mode. */
    demo: boolean('demo').notNull().default(false),
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    lockedUntil: at('locked_until'),
    outOfOfficeFrom: at('out_of_office_from'),
    outOfOfficeUntil: at('out_of_office_until'),
    delegateId: uuid('delegate_id').references((): AnyPgColumn => users.id),
    /** When the account was last deactivated (null while active): a deactivated account's retention counts from it. */
    deactivatedAt: at('deactivated_at'),
    /** When the person's data was anonymised (erasure request or retention disposal); the row stays as the id others refer to. */
    anonymisedAt: at('anonymised_at'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [
    index('users_manager_idx').on(table.managerId),
    index('users_delegate_idx').on(table.delegateId).where(sql`${table.delegateId} is not null`),
    index('users_deactivated_idx').on(table.deactivatedAt).where(sql`not ${table.active}`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export { at as timestampColumn };
