import { z } from 'zod';
import { parseKeyring } from './personal-data-keys.ts';

/**
 * Environment fragments shared by the deployables. Each deployable composes its
 * own schema (api/config.ts, worker/config.ts) and parses it once at start; no
 * other module reads process.env.
 */
const booleanString = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const runtimeEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATA_DIR: z.string().min(1).default('./.data'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export const databaseEnv = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** A read replica for reports (API only); unset: reports read the primary. Needs DATABASE_URL (PGlite has no replica). */
  DATABASE_READ_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
});

export const temporalEnv = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('procurement'),
});

export const mailEnv = z.object({
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).default('Procurement <procurement@localhost>'),
});

/** The company on PO PDFs and in supplier mails (activities/documents/company.ts). */
export const companyEnv = z.object({
  COMPANY_NAME: z.string().max(200).optional(),
  COMPANY_ADDRESS: z.string().max(1000).optional(),
  COMPANY_TAX_ID: z.string().max(50).optional(),
  COMPANY_EMAIL: z.email().optional(),
  COMPANY_PHONE: z.string().max(50).optional(),
});

/** Keys sealing personal data at rest: `kid:base64key,...`, the first seals, all open (README: rotation). No default outside dev mode. */
export const personalDataEnv = z.object({
  PERSONAL_DATA_KEYS: z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseKeyring(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .optional(),
});

export const demoEnv = z.object({
  DEMO_DATA: booleanString.optional(),
  BOOTSTRAP_ADMIN_EMAIL: z.email().optional(),
  BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
});

/** The one-line message start-up prints for a bad environment: it names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv | Record<string, string | undefined>): z.output<T> {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = issue.path.length > 0 ? issue.path.join('.') : 'environment';
  throw new ConfigError(`Invalid configuration: ${variable}: ${issue.message}`);
}

