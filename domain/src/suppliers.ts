import { z } from 'zod';
import { decimalString } from './money.ts';
import { supplierContactFields } from './personal-data.ts';
import { emailAddress, text } from './text.ts';

/** An early-payment discount percent (2 in "2/10 net 30"): above 0, below 100, up to 2 decimals. */
const discountPercent = decimalString(2, { digits: 2, sign: 'positive' });

export const createSupplierBody = z.strictObject({
  name: text(200),
  email: emailAddress(),
  paymentTermsDays: z.int().min(0).max(365),
  taxId: text(50).nullish(),
  // The contact person's data: phone and address are stored encrypted, and read only through GET /suppliers/{id}/contact (audited).
  ...supplierContactFields,
  /** Early-payment discount: `discountPercent` off when paid within `discountDays` of the invoice date (2/10 net 30). */
  discountPercent: discountPercent.nullish(),
  discountDays: z.int().min(1).max(365).nullish(),
});
export type CreateSupplierBody = z.infer<typeof createSupplierBody>;

export const supplierSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  paymentTermsDays: z.number().int(),
  taxId: z.string().nullable(),
  discountPercent: z.string().nullable(),
  discountDays: z.number().int().nullable(),
  active: z.boolean(),
  createdAt: z.string(),
});
export type Supplier = z.infer<typeof supplierSchema>;

export const projectSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  active: z.boolean(),
});
export type Project = z.infer<typeof projectSchema>;
