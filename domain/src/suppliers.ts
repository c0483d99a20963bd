import { z } from 'zod';
import { emailAddress, text } from './text.ts';

export const createSupplierBody = z.strictObject({
  name: text(200),
  email: emailAddress(),
  paymentTermsDays: z.int().min(0).max(365),
  taxId: text(50).nullish(),
  address: text(500).nullish(),
});
export type CreateSupplierBody = z.infer<typeof createSupplierBody>;

export const supplierSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  paymentTermsDays: z.number().int(),
  taxId: z.string().nullable(),
  address: z.string().nullable(),
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
