import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * Fixed-window counters in memory. One API replica enforces its own share;
 * behind several replicas put the counters in Redis (README, scaling).
 */
export interface RateLimiter {
  take(key: string, limit: number, now: number): { allowed: boolean; retryAfterSeconds: number };
}

export function createRateLimiter(windowMs = 60_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;
  return {
    take(key, limit, now) {
      if (now - lastSweep > windowMs) {
        for (const [k, w] of windows) if (now - w.start >= windowMs) windows.delete(k);
        lastSweep = now;
      }
      let window = windows.get(key);
      if (!window || now - window.start >= windowMs) {
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      return {
        allowed: window.count <= limit,
        retryAfterSeconds: Math.max(1, Math.ceil((window.start + windowMs - now) / 1000)),
      };
    },
  };
}

export function rateLimit(scope: 'ip' | 'user' | 'login', limitOf: (env: AppEnv['Variables']) => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const vars = c.var;
    const subject = scope === 'user' ? vars.actor?.user.id : vars.clientIp;
    if (!subject) return next();
    const result = vars.deps.rateLimiter.take(`${scope}:${subject}`, limitOf(vars), vars.deps.clock().getTime());
    if (!result.allowed) {
      throw new AppError('rate_limited', `Too many requests; retry after ${result.retryAfterSeconds} s`, {
        headers: { 'Retry-After': String(result.retryAfterSeconds) },
      });
    }
    return next();
  };
}
