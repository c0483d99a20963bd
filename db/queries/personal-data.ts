import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { apiTokens, mailOutbox, sessions, suppliers, users } from '../schema/index.ts';

/**
 * Replacing a person's personal data in place (a retention disposal, an
 * erasure): the row stays, so everything that names it by id still adds up.
 * Idempotent: a repeat writes the same values.
 */

const ANONYMISED_MAIL = '[personal data removed]';

export async function anonymiseUser(tx: Executor, userId: string, now: Date): Promise<void> {
  const short = userId.slice(0, 8);
  await tx
    .update(users)
    .set({ name: `Former user ${short}`, email: `former-${userId}@anonymised.invalid`, passwordHash: '!', delegateId: null, outOfOfficeFrom: null, outOfOfficeUntil: null, updatedAt: now })
    .where(eq(users.id, userId));
  await tx.delete(sessions).where(eq(sessions.userId, userId));
  await tx.delete(apiTokens).where(eq(apiTokens.userId, userId));
  await tx
    .update(mailOutbox)
    .set({ toAddress: `former-${userId}@anonymised.invalid`, subject: ANONYMISED_MAIL, html: ANONYMISED_MAIL, text: ANONYMISED_MAIL, attachments: null })
    .where(and(eq(mailOutbox.toUserId, userId), sql`${mailOutbox.html} <> ${ANONYMISED_MAIL}`));
}

export async function anonymiseSupplierContact(tx: Executor, supplierId: string, now: Date): Promise<void> {
  await tx.update(suppliers).set({ email: `contact-${supplierId}@anonymised.invalid`, address: null, updatedAt: now }).where(eq(suppliers.id, supplierId));
}
