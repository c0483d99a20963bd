import { z } from 'zod';
import { userSchema, type PackedRules } from '@p2p/domain';

/** The signed-in person as GET /api/v1/me describes them. */
export const currentUserSchema = userSchema.pick({
  id: true,
  email: true,
  name: true,
  roles: true,
  managerId: true,
  department: true,
  outOfOffice: true
});
export type CurrentUser = z.infer<typeof currentUserSchema>;

/** Rules stay packed on the wire; `abilityFromPackedRules` in the domain package unpacks them. */
export const meResponse = z.object({
  user: currentUserSchema,
  rules: z.custom<PackedRules>((value) => Array.isArray(value), 'packed CASL rules')
});
