import type { Database, Executor } from '../db/client.ts';
import { appendAudits, type AuditEntry } from '../db/queries/audit.ts';

/**
 * A database transaction whose audit entries are written with it, in one
 * statement before the commit: for activities outside the human-task unit of
 * work (receipts, returns, match rounds, an order's close).
 */
export function auditedTransaction<T>(db: Database, work: (tx: Executor, audits: AuditEntry[]) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const audits: AuditEntry[] = [];
    const result = await work(tx, audits);
    await appendAudits(tx, audits);
    return result;
  });
}
