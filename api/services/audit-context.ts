import type { Context } from 'hono';
import type { AuditEntry } from '../../db/queries/audit.ts';
import type { AppEnv } from '../context.ts';

/** Who, from where, under which request: the part of every audit entry the request supplies. */
export type AuditContext = Pick<AuditEntry, 'actorId' | 'onBehalfOfId' | 'requestId' | 'ip' | 'userAgent'>;

export function auditContextOf(c: Context<AppEnv>): AuditContext {
  return {
    actorId: c.var.actor?.user.id ?? null,
    onBehalfOfId: null,
    requestId: c.var.requestId,
    ip: c.var.clientIp,
    userAgent: c.var.userAgent,
  };
}
