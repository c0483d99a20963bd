import { z } from 'zod';
import { companyEnv, personalDataEnv, databaseEnv, mailEnv, parseEnv, runtimeEnv, temporalEnv } from '../config/env.ts';

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The worker: parsed once at start. */
export const workerEnvSchema = runtimeEnv
  .extend(databaseEnv.shape)
  .extend(temporalEnv.shape)
  .extend(mailEnv.shape)
  .extend(companyEnv.shape)
  .extend(personalDataEnv.shape)
  .extend({
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(50),
    /** The company's IANA time zone: the nightly retention review runs at 02:00 in it. UTC by default: no DST night skips or repeats it. */
    COMPANY_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin').default('UTC'),
    /** How often the `report-summaries` Schedule refreshes the finance dashboard's spend summary (seconds). */
    REPORT_SUMMARY_REFRESH_SECONDS: z.coerce.number().int().min(5).max(86_400).default(30),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.SESSION_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required in production' });
    }
    if (env.NODE_ENV === 'production' && !env.PERSONAL_DATA_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['PERSONAL_DATA_KEYS'], message: 'is required in production (kid:base64key, see README)' });
    }
  })
  .transform((env) => ({ ...env, devMode: env.NODE_ENV !== 'production' }));

export type WorkerConfig = z.output<typeof workerEnvSchema>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  return parseEnv(workerEnvSchema, env);
}
