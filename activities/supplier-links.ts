import { randomUUID } from 'node:crypto';
import { signSupplierLink, verifySupplierLink, type SupplierLinkPayload } from '@p2p/domain/supplier-links';
import type { Executor } from '../db/client.ts';
import { findSupplierLink, insertSupplierLink } from '../db/queries/purchasing.ts';
import type { SupplierLinkRow } from '../db/schema/index.ts';

export interface SupplierLinksDeps {
  db: Executor;
  /** The signing secret (SESSION_SECRET); a key for supplier links alone is derived from it. */
  secret: string;
  publicUrl: string;
  clock: () => Date;
}

export type SupplierLinkCheck =
  | { ok: true; payload: SupplierLinkPayload; link: SupplierLinkRow }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'unknown' | 'used'; link?: SupplierLinkRow };

/**
 * The supplier's link in a PO mail: confirm the order or propose another
 * delivery date, without an account. Issued in the transaction that queues
 * the mail; checked by the API (a GET only looks; a POST uses it once).
 */
export function createSupplierLinks(deps: SupplierLinksDeps) {
  const base = deps.publicUrl.replace(/\/+$/, '');

  async function issue(params: { purchaseOrderId: string; supplierId: string; revision: number; days: number }, db: Executor = deps.db): Promise<{ url: string; expiresAt: string }> {
    const id = randomUUID();
    const expiresAt = new Date(deps.clock().getTime() + params.days * 24 * 3600 * 1000);
    await insertSupplierLink(db, { id, purchaseOrderId: params.purchaseOrderId, supplierId: params.supplierId, revision: params.revision, expiresAt });
    const token = await signSupplierLink(deps.secret, { jti: id, purchaseOrderId: params.purchaseOrderId, supplierId: params.supplierId, revision: params.revision, expiresAt: expiresAt.getTime() });
    return { url: `${base}/supplier/${token}`, expiresAt: expiresAt.toISOString() };
  }

  async function check(token: string): Promise<SupplierLinkCheck> {
    const verified = await verifySupplierLink(deps.secret, token, deps.clock());
    if (!verified.ok) return verified;
    const { payload } = verified;
    const link = await findSupplierLink(deps.db, payload.jti);
    if (!link || link.purchaseOrderId !== payload.purchaseOrderId || link.supplierId !== payload.supplierId || link.revision !== payload.revision) return { ok: false, reason: 'unknown' };
    if (link.usedAt) return { ok: false, reason: 'used', link };
    return { ok: true, payload, link };
  }

  return { issue, check };
}

export type SupplierLinks = ReturnType<typeof createSupplierLinks>;
