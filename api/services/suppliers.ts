import { randomUUID } from 'node:crypto';
import { ForbiddenError } from '@casl/ability';
import type { CreateSupplierBody, PutSupplierContactBody, Supplier, SupplierContact } from '@p2p/domain';
import { openSupplierContact, sealSupplierContact } from '../../db/encryption.ts';
import { appendAudit } from '../../db/queries/audit.ts';
import type { RecordAnswer } from '../../db/queries/idempotency.ts';
import { findSupplierById, insertSupplier, listProjects, listSuppliers, updateSupplierContact } from '../../db/queries/suppliers.ts';
import type { SupplierRow } from '../../db/schema/index.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';

/** The supplier as lists and most answers show it: no contact person's data (that is read through `contact`, audited). */
export const toSupplier = (row: SupplierRow): Supplier => ({
  id: row.id,
  name: row.name,
  email: row.email,
  paymentTermsDays: row.paymentTermsDays,
  taxId: row.taxId,
  discountPercent: row.discountPercent,
  discountDays: row.discountDays,
  active: row.active,
  createdAt: row.createdAt.toISOString(),
});

const contactKeys = ['contactName', 'phone', 'address'] as const;
/**
 * Which contact fields a change gave, by name only: audit entries are
 * append-only and outlive an erasure, so they never hold the values.
 */
const contactFieldsOf = (body: Partial<Record<(typeof contactKeys)[number], string | null | undefined>>) => contactKeys.filter((key) => body[key] !== undefined);

export type SupplierService = ReturnType<typeof createSupplierService>;

export function createSupplierService(deps: Pick<ApiDeps, 'db' | 'clock' | 'personalData'>) {
  const { db, clock, personalData } = deps;

  const toContact = (row: SupplierRow): SupplierContact => ({
    supplierId: row.id,
    supplierName: row.name,
    contactName: row.contactName,
    email: row.email,
    ...openSupplierContact(personalData, row),
    anonymisedAt: row.contactAnonymisedAt?.toISOString() ?? null,
  });

  return {
    async create(actor: RequestActor, body: CreateSupplierBody, audit: AuditContext, recordAnswer?: RecordAnswer<Supplier>): Promise<Supplier> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'Supplier');
      // The id is made here: phone and address are sealed for their row before they are stored.
      const id = randomUUID();
      return db.transaction(async (tx) => {
        const supplier = toSupplier(await insertSupplier(tx, { ...body, id, ...sealSupplierContact(personalData, id, body) }));
        await appendAudit(tx, { ...audit, at: clock(), action: 'supplier.created', subjectType: 'Supplier', subjectId: supplier.id, after: { ...supplier, contactFields: contactFieldsOf(body) } });
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

    /** The contact person's data, opened: every read is audited (who read whose), in the same transaction as the read. */
    async getContact(actor: RequestActor, id: string, audit: AuditContext): Promise<SupplierContact> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'SupplierContact');
      return db.transaction(async (tx) => {
        const row = await findSupplierById(tx, id);
        if (!row) throw new AppError('not_found', 'No such supplier');
        await appendAudit(tx, { ...audit, at: clock(), action: 'supplier.contact_read', subjectType: 'Supplier', subjectId: id, after: { fields: [...contactKeys, 'email'] } });
        return toContact(row);
      });
    },

    async putContact(actor: RequestActor, id: string, body: PutSupplierContactBody, audit: AuditContext): Promise<SupplierContact> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'SupplierContact');
      return db.transaction(async (tx) => {
        const now = clock();
        const row = await updateSupplierContact(tx, id, { ...(body.contactName !== undefined ? { contactName: body.contactName } : {}), ...sealSupplierContact(personalData, id, body), now });
        if (!row) throw new AppError('not_found', 'No such supplier');
        // The answer shows the data: that read is audited with the change.
        await appendAudit(tx, { ...audit, at: now, action: 'supplier.contact_updated', subjectType: 'Supplier', subjectId: id, after: { fields: contactFieldsOf(body) } });
        return toContact(row);
      });
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
