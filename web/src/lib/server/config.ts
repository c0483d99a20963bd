import { env } from '$env/dynamic/private';
import { z } from 'zod';

/**
 * The web app's whole environment, parsed once. The API shares this server
 * and origin, so INTERNAL_API_URL is only needed when it runs elsewhere;
 * without it, api.ts calls back into the server the request arrived on.
 */
const webEnv = z
  .object({
    /** Only the fallback under `vite dev`, where no Node request is at hand. */
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    INTERNAL_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development')
  })
  .transform(({ PORT, INTERNAL_API_URL, NODE_ENV }) => ({
    port: PORT,
    internalApiUrl: INTERNAL_API_URL?.replace(/\/+$/, '') ?? null,
    /** As the API decides it: outside production the dev outbox is open to everyone. */
    devMode: NODE_ENV !== 'production'
  }));

export type WebConfig = z.output<typeof webEnv>;

let parsed: WebConfig | undefined;

/** Throws one line naming the bad variable; hooks call this at start-up so a bad value stops the server. */
export function config(): WebConfig {
  if (parsed) return parsed;
  const result = webEnv.safeParse({
    PORT: env.PORT || undefined,
    INTERNAL_API_URL: env.INTERNAL_API_URL || undefined,
    NODE_ENV: env.NODE_ENV || undefined
  });
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`Invalid environment variable ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  parsed = result.data;
  return parsed;
}
