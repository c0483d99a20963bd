import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import type { ApiDeps } from '../deps.ts';

const requestIdPattern = /^[\w.:-]{8,100}$/;
const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Request id (honoured from the caller when well formed), client address and a
 * request-scoped logger; logs one line per request with its outcome.
 */
export function requestContext(deps: ApiDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const offered = c.req.header('x-request-id');
    const requestId = offered && requestIdPattern.test(offered) ? offered : randomUUID();
    const remote = incoming?.socket.remoteAddress ?? '127.0.0.1';
    // Only a local proxy (the web app's server side) may name the real client.
    const forwarded = loopback.has(remote) ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
    c.set('deps', deps);
    c.set('requestId', requestId);
    c.set('clientIp', forwarded || remote);
    c.set('userAgent', c.req.header('user-agent')?.slice(0, 500) ?? null);
    c.set('actor', null);
    c.set('logger', deps.logger.child({ requestId }));
    const started = performance.now();
    c.header('x-request-id', requestId);
    await next();
    c.header('x-request-id', requestId);
    c.var.logger.info('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      userId: c.var.actor?.user.id,
      ip: c.var.clientIp,
    });
  };
}
