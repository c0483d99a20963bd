import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey, takeOverIdempotencyKey, type RecordAnswer } from '../../db/queries/idempotency.ts';
import type { AppEnv } from '../context.ts';
import { AppError } from '../errors.ts';

/** Also the header's published schema (api/openapi.ts): ASCII letters, digits and `_.:-`, 1 to 200 of them. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

/** A claim nobody answered for this long belongs to a request that died with its API process. */
const STALE_CLAIM_SECONDS = 30;

/**
 * `Idempotency-Key` for POSTs that start something: the first request with a
 * key runs and its 2xx answer is stored; a retry with the same key and body
 * gets that answer again (header `Idempotent-Replayed: true`) and runs nothing.
 * A failed request releases its key so the client can retry.
 *
 * A request cut off by a crash leaves its claim unanswered; a retry after
 * STALE_CLAIM_SECONDS takes it over and runs again. That is safe because a
 * handler that creates something stores its answer in the transaction of the
 * effect (recordAnswerOf): the crashed request either committed both, and the
 * retry replays, or neither. Handlers that do not are naturally idempotent
 * (submitting a submitted requisition answers its state).
 */
export function idempotent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new AppError('validation', 'Idempotency-Key: 1-200 characters of letters, digits, "-", "_", ".", ":"', { errors: [{ path: 'Idempotency-Key', message: 'invalid format' }] });
    }
    const { db } = c.var.deps;
    const principal = c.var.actor?.user.id ?? `ip:${c.var.clientIp}`;
    const requestHash = createHash('sha256').update(`${c.req.method} ${c.req.path}\n`).update(await c.req.text()).digest('hex');
    const claim = await claimIdempotencyKey(db, { principal, key, method: c.req.method, path: c.req.path, requestHash });
    let claimedAt: Date;
    if (claim.claimed) {
      claimedAt = claim.claimedAt;
    } else {
      const { record } = claim;
      if (record.requestHash !== requestHash) throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used for a different request');
      if (record.status !== null) {
        c.header('Idempotent-Replayed', 'true');
        return c.json(record.responseBody as object, record.status as 200);
      }
      const takenOver = await takeOverIdempotencyKey(db, { principal, key, claimedAt: record.createdAt, staleAfterSeconds: STALE_CLAIM_SECONDS });
      if (!takenOver) throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress');
      claimedAt = takenOver;
    }
    c.set('idempotency', {
      record: async (tx, status, answer) => {
        if (!(await completeIdempotencyKey(tx, { principal, key, claimedAt, status, responseBody: answer }))) {
          throw new AppError('conflict', 'A retry with this Idempotency-Key took this request over');
        }
      },
    });
    try {
      await next();
    } catch (error) {
      await releaseIdempotencyKey(db, { principal, key, claimedAt });
      throw error;
    }
    if (c.res.status >= 200 && c.res.status < 300) {
      const body: unknown = await c.res.clone().json().catch(() => null);
      // Already stored when the handler recorded its answer in its transaction.
      await completeIdempotencyKey(db, { principal, key, claimedAt, status: c.res.status, responseBody: body });
    } else {
      await releaseIdempotencyKey(db, { principal, key, claimedAt });
    }
  };
}

/** For a handler that creates something: store its answer (with `status`) in the transaction that creates it. */
export function recordAnswerOf<T>(c: Context<AppEnv>, status: number): RecordAnswer<T> | undefined {
  const claim = c.var.idempotency;
  return claim && ((tx, answer) => claim.record(tx, status, answer));
}
