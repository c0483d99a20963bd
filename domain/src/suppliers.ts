import { z } from 'zod';

export const createSupplierBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  paymentTermsDays: z.int().min(0).max(365),
  taxId: z.string().trim().min(1).max(50).nullish(),
  address: z.string().trim().min(1).max(500).nullish(),
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
