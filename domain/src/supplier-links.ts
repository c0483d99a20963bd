import { signLinkToken, verifyLinkToken } from './action-links.ts';

/**
 * The supplier's link in a purchase-order mail: one order, one revision, one
 * supplier, an expiry; no account. Signed like a task's action link, with a
 * key of its own; the `supplier_links` row named by `jti` makes it single-use.
 */
export interface SupplierLinkPayload {
  jti: string;
  purchaseOrderId: string;
  supplierId: string;
  revision: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

const PURPOSE = 'procurement/supplier-link/v1';

export function signSupplierLink(secret: string, payload: SupplierLinkPayload): Promise<string> {
  return signLinkToken(secret, PURPOSE, payload);
}

export function verifySupplierLink(secret: string, token: string, now: Date) {
  return verifyLinkToken(secret, PURPOSE, token, now, ({ jti, purchaseOrderId, supplierId, revision, expiresAt }) =>
    typeof jti === 'string' && typeof purchaseOrderId === 'string' && typeof supplierId === 'string' && Number.isInteger(revision) && typeof expiresAt === 'number'
      ? { jti, purchaseOrderId, supplierId, revision: revision as number, expiresAt }
      : undefined,
  );
}
