import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { and, asc, eq, gt, isNotNull, not, or, sql, type SQL } from 'drizzle-orm';
import type { Keyring } from '../config/personal-data-keys.ts';
import type { Executor } from './client.ts';
import { suppliers } from './schema/index.ts';

/**
 * Personal data encrypted at rest (SPEC 4.4): AES-256-GCM with keys from
 * configuration (PERSONAL_DATA_KEYS), never from the database. A value is
 * stored as `enc:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64), so every
 * value names the key that sealed it and keys rotate without a flag day: the
 * first key of the ring seals, every key of the ring opens. The associated
 * data binds a value to its column and row, so a ciphertext copied to another
 * supplier or column does not open.
 */

const PREFIX = 'enc:v1:';

export interface PersonalDataCipher {
  readonly activeKeyId: string;
  /** Seals a value for `context` (column and row, e.g. `suppliers.phone:<id>`). */
  seal(plain: string, context: string): string;
  /** Opens a sealed value; a value without the prefix is plaintext from before encryption (the start-up step seals it). */
  open(stored: string, context: string): string;
  /** Sealed under the active key. */
  isCurrent(stored: string): boolean;
}

export function createPersonalDataCipher(keyring: Keyring): PersonalDataCipher {
  const active = keyring.keys.get(keyring.activeId)!;
  return {
    activeKeyId: keyring.activeId,
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', active, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${keyring.activeId}:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [id, iv, tag, body] = stored.slice(PREFIX.length).split(':');
      const key = keyring.keys.get(id ?? '');
      if (!key || iv === undefined || tag === undefined || body === undefined) throw new Error(`personal data sealed under key "${id}", which PERSONAL_DATA_KEYS does not hold`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    },
    isCurrent(stored) {
      return stored.startsWith(`${PREFIX}${keyring.activeId}:`);
    },
  };
}

/** The encrypted columns of a supplier, with the context each is sealed for. */
export const supplierContext = {
  phone: (supplierId: string) => `suppliers.phone:${supplierId}`,
  address: (supplierId: string) => `suppliers.address:${supplierId}`,
};

/** A supplier's contact values sealed for storage (null stays null). */
export function sealSupplierContact(cipher: PersonalDataCipher, supplierId: string, values: { phone?: string | null | undefined; address?: string | null | undefined }) {
  return {
    ...(values.phone !== undefined ? { phone: values.phone === null ? null : cipher.seal(values.phone, supplierContext.phone(supplierId)) } : {}),
    ...(values.address !== undefined ? { address: values.address === null ? null : cipher.seal(values.address, supplierContext.address(supplierId)) } : {}),
  };
}

export function openSupplierContact(cipher: PersonalDataCipher, row: { id: string; phone: string | null; address: string | null }) {
  return {
    phone: row.phone === null ? null : cipher.open(row.phone, supplierContext.phone(row.id)),
    address: row.address === null ? null : cipher.open(row.address, supplierContext.address(row.id)),
  };
}

/**
 * Seals every value not sealed under the active key: plaintext from before
 * encryption (migration 0010 cannot know the key, so start-up runs this) and
 * values under an older key (`npm run personal-data:rotate-keys`). In
 * batches by id; each row is written only if it is still what was read, so a
 * concurrent edit wins and a second run finds nothing to do. Returns how many
 * rows it re-sealed.
 */
export async function resealSupplierContacts(db: Executor, cipher: PersonalDataCipher, options: { batchSize?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 200;
  const current = `${PREFIX}${cipher.activeKeyId}:%`;
  const stale = (column: typeof suppliers.phone | typeof suppliers.address): SQL => and(isNotNull(column), not(sql`${column} like ${current}`))!;
  let resealed = 0;
  let after: string | undefined;
  for (;;) {
    const rows = await db
      .select({ id: suppliers.id, phone: suppliers.phone, address: suppliers.address })
      .from(suppliers)
      .where(and(or(stale(suppliers.phone), stale(suppliers.address)), after ? gt(suppliers.id, after) : undefined))
      .orderBy(asc(suppliers.id))
      .limit(batchSize);
    for (const row of rows) {
      const plain = openSupplierContact(cipher, row);
      const updated = await db
        .update(suppliers)
        .set(sealSupplierContact(cipher, row.id, plain))
        .where(and(eq(suppliers.id, row.id), sql`${suppliers.phone} is not distinct from ${row.phone}`, sql`${suppliers.address} is not distinct from ${row.address}`))
        .returning({ id: suppliers.id });
      resealed += updated.length;
    }
    if (rows.length < batchSize) return resealed;
    after = rows.at(-1)!.id;
  }
}
