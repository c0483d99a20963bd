import { z } from 'zod';
import { chars, emailAddress, text } from './text.ts';
import { roles } from './roles.ts';
import { instant } from './dates.ts';
import { withRules } from './rules.ts';

export const userIdSchema = z.uuid();
export const emailSchema = emailAddress().transform((email) => email.toLowerCase());
export const passwordSchema = chars(200, 12);

export const createUserBody = z.strictObject({
  email: emailSchema,
  name: text(200),
  password: passwordSchema,
  roles: z.array(z.enum(roles)).min(1).max(roles.length),
  managerId: userIdSchema.nullish(),
  department: text(100).nullish(),
});
export type CreateUserBody = z.infer<typeof createUserBody>;

export const updateUserBody = createUserBody
  .omit({ email: true, password: true })
  .partial()
  .extend({ active: z.boolean().optional() })
  .strict();
export type UpdateUserBody = z.infer<typeof updateUserBody>;

/** Out-of-office period with a delegate; null clears it. */
export const outOfOfficeBody = withRules(
  z.strictObject({
    from: instant(),
    until: instant(),
    delegateId: userIdSchema,
  }),
  (value, ctx) => {
    if (new Date(value.from) >= new Date(value.until)) ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be after from' });
  },
);
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
