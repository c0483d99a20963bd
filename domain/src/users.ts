import { z } from 'zod';
import { roles } from './roles.ts';

export const userIdSchema = z.uuid();
export const emailSchema = z.email().max(254).transform((email) => email.toLowerCase());
export const passwordSchema = z.string().min(12, 'at least 12 characters').max(200);

export const createUserBody = z.strictObject({
  email: emailSchema,
  name: z.string().trim().min(1).max(200),
  password: passwordSchema,
  roles: z.array(z.enum(roles)).min(1).max(roles.length),
  managerId: userIdSchema.nullish(),
  department: z.string().trim().min(1).max(100).nullish(),
});
export type CreateUserBody = z.infer<typeof createUserBody>;

export const updateUserBody = createUserBody
  .omit({ email: true, password: true })
  .partial()
  .extend({ active: z.boolean().optional() })
  .strict();
export type UpdateUserBody = z.infer<typeof updateUserBody>;

/** Out-of-office period with a delegate; null clears it. */
export const outOfOfficeBody = z
  .strictObject({
    from: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }),
    delegateId: userIdSchema,
  })
  .refine((value) => new Date(value.from) < new Date(value.until), {
    message: 'must be after from',
    path: ['until'],
  });
export type OutOfOfficeBody = z.infer<typeof outOfOfficeBody>;

export const userSchema = z.object({
  id: userIdSchema,
  email: z.string(),
  name: z.string(),
  roles: z.array(z.enum(roles)),
  managerId: z.string().nullable(),
  department: z.string().nullable(),
  active: z.boolean(),
  outOfOffice: z
    .object({ from: z.string(), until: z.string(), delegateId: z.string() })
    .nullable(),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;
