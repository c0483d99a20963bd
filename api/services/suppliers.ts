import { ForbiddenError } from '@casl/ability';
import type { CreateSupplierBody, Supplier } from '@p2p/domain';
import { appendAudit } from '../../db/queries/audit.ts';
import type { RecordAnswer } from '../../db/queries/idempotency.ts';
import { findSupplierById, insertSupplier, listProjects, listSuppliers } from '../../db/queries/suppliers.ts';
import type { SupplierRow } from '../../db/schema/index.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';

export const toSupplier = (row: SupplierRow): Supplier => ({
  id: row.id,
  name: row.name,
  email: row.email,
  paymentTermsDays: row.paymentTermsDays,
  taxId: row.taxId,
  address: row.address,
  discountPercent: row.discountPercent,
  discountDays: row.discountDays,
  active: row.active,
  createdAt: row.createdAt.toISOString(),
});

export type SupplierService = ReturnType<typeof createSupplierService>;

export function createSupplierService(deps: Pick<ApiDeps, 'db' | 'clock'>) {
  const { db, clock } = deps;
  return {
    async create(actor: RequestActor, body: CreateSupplierBody, audit: AuditContext, recordAnswer?: RecordAnswer<Supplier>): Promise<Supplier> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'Supplier');
      return db.transaction(async (tx) => {
        const supplier = toSupplier(await insertSupplier(tx, body));
        await appendAudit(tx, { ...audit, at: clock(), action: 'supplier.created', subjectType: 'Supplier', subjectId: supplier.id, after: supplier });
        await recordAnswer?.(tx, supplier);
        return supplier;
      });
    },

    async get(actor: RequestActor, id: string): Promise<Supplier> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Supplier');
      const row = await findSupplierById(db, id);
      if (!row) throw new AppError('not_found', 'No such supplier');
      return toSupplier(row);
    },

    async list(actor: RequestActor, params: { limit: number; after?: string | undefined }) {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Supplier');
      return (await listSuppliers(db, params)).map(toSupplier);
    },

    async listProjects(actor: RequestActor) {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Project');
      return (await listProjects(db)).map((row) => ({ id: row.id, code: row.code, name: row.name, active: row.active }));
    },
  };
}
