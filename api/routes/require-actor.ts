import type { Context } from 'hono';
import type { AppEnv, RequestActor } from '../context.ts';
import { AppError } from '../errors.ts';

/** The authenticate middleware already refused anonymous calls to private paths; this narrows the type. */
export function requireActor(c: Context<AppEnv>): RequestActor {
  const actor = c.var.actor;
  if (!actor) throw new AppError('unauthenticated');
  return actor;
}
