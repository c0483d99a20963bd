import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { AppError } from '../errors.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-authenticated writes must come from our own origin: the Origin (or
 * Referer) must match the public URL or the request's own host. Bearer
 * requests are not exposed to CSRF (browsers never attach them on their own).
 */
export function csrfProtection(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (safeMethods.has(c.req.method) || c.var.credentialSource !== 'cookie') return next();
    const origin = c.req.header('origin') ?? originOf(c.req.header('referer'));
    const allowed = new Set([originOf(c.var.deps.config.publicUrl), originOf(c.req.url)]);
    if (!origin || !allowed.has(origin) || c.req.header('sec-fetch-site') === 'cross-site') {
      throw new AppError('forbidden', 'Cross-site request refused: the Origin header must match this site');
    }
    return next();
  };
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
