import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../../db/queries/idempotency.ts';
import type { AppEnv } from '../context.ts';
import { AppError } from '../errors.ts';

const keyPattern = /^[\w.:-]{1,200}$/;

/**
 * `Idempotency-Key` for POSTs that start something: the first request with a
 * key runs and its 2xx answer is stored; a retry with the same key and body
 * gets that answer again (header `Idempotent-Replayed: true`) and runs nothing.
 * A failed request releases its key so the client can retry.
 */
export function idempotent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    if (!keyPattern.test(key)) {
      throw new AppError('validation', 'Idempotency-Key: 1-200 characters of letters, digits, "-", "_", ".", ":"', { errors: [{ path: 'Idempotency-Key', message: 'invalid format' }] });
    }
    const { db } = c.var.deps;
    const principal = c.var.actor?.user.id ?? `ip:${c.var.clientIp}`;
    const requestHash = createHash('sha256').update(`${c.req.method} ${c.req.path}\n`).update(await c.req.text()).digest('hex');
    const claim = await claimIdempotencyKey(db, { principal, key, method: c.req.method, path: c.req.path, requestHash });
    if (!claim.claimed) {
      const { record } = claim;
      if (record.requestHash !== requestHash) throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used for a different request');
      if (record.status === null) throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress');
      c.header('Idempotent-Replayed', 'true');
      return c.json(record.responseBody as object, record.status as 200);
    }
    try {
      await next();
    } catch (error) {
      await releaseIdempotencyKey(db, { principal, key });
      throw error;
    }
    if (c.res.status >= 200 && c.res.status < 300) {
      const body: unknown = await c.res.clone().json().catch(() => null);
      await completeIdempotencyKey(db, { principal, key, status: c.res.status, responseBody: body });
    } else {
      await releaseIdempotencyKey(db, { principal, key });
    }
  };
}
