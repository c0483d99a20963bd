import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../context.ts';
import { AppError } from '../errors.ts';
import { buildActor } from '../services/actor.ts';
import type { AuthService } from '../services/auth.ts';

export const SESSION_COOKIE = 'p2p_session';

/** Paths anyone may call; everything else under /api/v1 needs a session or a token. */
const publicPaths = [/^\/api\/v1\/health(\/ready)?$/, /^\/api\/v1\/auth\/login$/, /^\/api\/v1\/openapi\.json$/, /^\/api\/v1\/docs(\/.*)?$/, /^\/api\/v1\/action-links\/[^/]+$/, /^\/api\/v1\/supplier-links\/[^/]+$/];

export type CredentialSource = 'bearer' | 'cookie';

/**
 * Resolves the caller from `Authorization: Bearer` (session or personal API
 * token) or the session cookie. A presented but dead credential is a 401 even
 * on public paths, so a client learns at once that its token is bad.
 */
export function authenticate(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const cookie = getCookie(c, SESSION_COOKIE);
    let secret: string | undefined;
    let source: CredentialSource | null = null;
    if (header !== undefined) {
      const match = /^Bearer\s+([\w-]{10,200})$/i.exec(header);
      if (!match) throw new AppError('unauthenticated', 'Authorization header must be "Bearer <token>"');
      secret = match[1];
      source = 'bearer';
    } else if (cookie) {
      secret = cookie;
      source = 'cookie';
    }
    c.set('credentialSource', source);
    const isPublic = publicPaths.some((pattern) => pattern.test(c.req.path));
    if (secret) {
      const principal = await auth.authenticate(secret);
      if (!principal) {
        if (source === 'bearer' || !isPublic) throw new AppError('unauthenticated', source === 'bearer' ? 'The token is invalid, expired or revoked' : 'The session has expired; sign in again');
      } else {
        c.set('actor', await buildActor(c.var.deps.db, principal, c.var.deps.clock()));
      }
    }
    if (!c.var.actor && !isPublic) throw new AppError('unauthenticated', 'Sign in or send a Bearer token');
    return next();
  };
}
