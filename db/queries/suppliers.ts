import { asc, eq, sql } from 'drizzle-orm';
import type { CreateSupplierBody } from '@p2p/domain';
import type { Executor } from '../client.ts';
import { projects, suppliers, type ProjectRow, type SupplierRow } from '../schema/index.ts';

/** `phone` and `address` as stored: sealed by the caller (db/encryption.ts), or plaintext the start-up step seals. */
export async function insertSupplier(db: Executor, params: CreateSupplierBody & { id?: string }): Promise<SupplierRow> {
  const [row] = await db
    .insert(suppliers)
    .values({
      ...params,
      taxId: params.taxId ?? null,
      contactName: params.contactName ?? null,
      phone: params.phone ?? null,
      address: params.address ?? null,
      discountPercent: params.discountPercent ?? null,
      discountDays: params.discountPercent ? (params.discountDays ?? null) : null,
    })
    .returning();
  return row!;
}

/** Changes a supplier's contact fields (phone and address sealed by the caller); fields not given stay. */
export async function updateSupplierContact(db: Executor, id: string, values: { contactName?: string | null; phone?: string | null; address?: string | null; now: Date }): Promise<SupplierRow | undefined> {
  const { now, ...fields } = values;
  const [row] = await db.update(suppliers).set({ ...fields, updatedAt: now }).where(eq(suppliers.id, id)).returning();
  return row;
}

export async function findSupplierById(db: Executor, id: string): Promise<SupplierRow | undefined> {
  const [row] = await db.select().from(suppliers).where(eq(suppliers.id, id)).limit(1);
  return row;
}

export interface ListSuppliersParams {
  limit: number;
  /** Keyset over (name, id): the id of the last supplier of the previous page (one that names no supplier gives an empty page). */
  after?: string | undefined;
}

export async function listSuppliers(db: Executor, params: ListSuppliersParams): Promise<SupplierRow[]> {
  const { after } = params;
  return db
    .select()
    .from(suppliers)
    .where(after ? sql`(${suppliers.name}, ${suppliers.id}) > (select s.name, s.id from ${suppliers} s where s.id = ${after})` : undefined)
    .orderBy(asc(suppliers.name), asc(suppliers.id))
    .limit(params.limit);
}

export async function insertProject(db: Executor, params: { code: string; name: string }): Promise<ProjectRow> {
  const [row] = await db.insert(projects).values(params).returning();
  return row!;
}

export async function listProjects(db: Executor): Promise<ProjectRow[]> {
  return db.select().from(projects).orderBy(asc(projects.code));
}
