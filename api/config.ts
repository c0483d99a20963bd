import { z } from 'zod';
import { companyEnv, personalDataEnv, databaseEnv, demoEnv, mailEnv, parseEnv, runtimeEnv, temporalEnv } from '../config/env.ts';

/** The API (and the web app on the same origin): parsed once at start. */
export const apiEnvSchema = runtimeEnv
  .extend(databaseEnv.shape)
  .extend(temporalEnv.shape)
  .extend(mailEnv.shape)
  .extend(companyEnv.shape)
  .extend(demoEnv.shape)
  .extend(personalDataEnv.shape)
  .extend({
    /** 0 lets the system pick a free port (tests). */
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Signs e-mail action links. No default outside dev mode. */
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
    /** Failed sign-ins in a row that lock an account for 15 minutes. */
    LOGIN_LOCKOUT_FAILURES: z.coerce.number().int().min(1).default(5),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    if (env.DATABASE_READ_URL && !env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_READ_URL'], message: 'needs DATABASE_URL: the embedded database has no replica' });
    }
    if (production && !env.SESSION_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required in production' });
    }
    if (production && !env.PERSONAL_DATA_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['PERSONAL_DATA_KEYS'], message: 'is required in production (kid:base64key, see README)' });
    }
    if (production && env.DEMO_DATA === true) {
      ctx.addIssue({ code: 'custom', path: ['DEMO_DATA'], message: 'demo data (known passwords) is refused in production' });
    }
    if (Boolean(env.BOOTSTRAP_ADMIN_EMAIL) !== Boolean(env.BOOTSTRAP_ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.BOOTSTRAP_ADMIN_EMAIL ? 'BOOTSTRAP_ADMIN_PASSWORD' : 'BOOTSTRAP_ADMIN_EMAIL'],
        message: 'BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD go together',
      });
    }
  })
  .transform((env) => ({
    ...env,
    devMode: env.NODE_ENV !== 'production',
    demoData: env.DEMO_DATA ?? env.NODE_ENV !== 'production',
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
  }));

export type ApiConfig = z.output<typeof apiEnvSchema>;

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  return parseEnv(apiEnvSchema, env);
}
