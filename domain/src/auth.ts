import { z } from 'zod';
import { chars, text } from './text.ts';
import { instant } from './dates.ts';
import { roles } from './roles.ts';

export const loginBody = z.strictObject({
  email: text(254).transform((email) => email.toLowerCase()),
  password: chars(200, 1),
});

export const sessionUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(z.enum(roles)),
});
export type SessionUser = z.infer<typeof sessionUserSchema>;

export const loginResponse = z.object({ token: z.string(), user: sessionUserSchema });

export const createTokenBody = z.strictObject({
  name: text(100),
  expiresAt: instant().optional(),
});

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const createdTokenSchema = z.object({ id: z.string(), token: z.string() });
