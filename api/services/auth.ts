import { ForbiddenError, subject } from '@casl/ability';
import type { SessionUser } from '@p2p/domain';
import { appendAudit } from '../../db/queries/audit.ts';
import {
  findApiToken,
  findApiTokenByHash,
  findSessionByHash,
  insertApiToken,
  insertSession,
  listApiTokens,
  revokeApiToken,
  revokeSession,
  touchApiToken,
  type Principal,
} from '../../db/queries/sessions.ts';
import { findUserByEmail, recordLoginFailure, resetLoginFailures } from '../../db/queries/users.ts';
import type { UserRow } from '../../db/schema/index.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';
import { hashSecret, newSecret, verifyPassword } from './credentials.ts';

export const LOCKOUT_MS = 15 * 60_000;

export const toSessionUser = (user: UserRow): SessionUser => ({
  id: user.id,
  email: user.email,
  name: user.name,
  roles: user.roles,
});

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(deps: Pick<ApiDeps, 'db' | 'config' | 'clock'>) {
  const { db, config, clock } = deps;

  function refuseLocked(user: UserRow, now: Date): never {
    const retryAfter = Math.max(1, Math.ceil((user.lockedUntil!.getTime() - now.getTime()) / 1000));
    throw new AppError('locked', `Too many failed sign-ins; locked until ${user.lockedUntil!.toISOString()}`, {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }

  return {
    async login(email: string, password: string, audit: AuditContext) {
      const now = clock();
      const user = await findUserByEmail(db, email);
      const usable = user && user.active && (!user.demo || config.devMode);
      if (user?.lockedUntil && user.lockedUntil > now) refuseLocked(user, now);
      const valid = await verifyPassword(usable ? user.passwordHash : undefined, password);
      if (!user || !usable || !valid) {
        if (user && usable) {
          const updated = await db.transaction(async (tx) => {
            const row = await recordLoginFailure(tx, { id: user.id, now, maxFailures: config.LOGIN_LOCKOUT_FAILURES, lockForMs: LOCKOUT_MS });
            await appendAudit(tx, { ...audit, actorId: null, at: now, action: 'user.login_failed', subjectType: 'User', subjectId: user.id, after: { failedLoginCount: row.failedLoginCount } });
            if (row.lockedUntil && row.lockedUntil > now) {
              await appendAudit(tx, { ...audit, actorId: null, at: now, action: 'user.locked', subjectType: 'User', subjectId: user.id, after: { lockedUntil: row.lockedUntil } });
            }
            return row;
          });
          if (updated.lockedUntil && updated.lockedUntil > now) refuseLocked(updated, now);
        }
        throw new AppError('unauthenticated', 'E-mail or password is wrong');
      }
      const token = newSecret('ps');
      const expiresAt = new Date(now.getTime() + config.SESSION_TTL_HOURS * 3_600_000);
      const sessionId = await db.transaction(async (tx) => {
        await resetLoginFailures(tx, user.id);
        const id = await insertSession(tx, { userId: user.id, tokenHash: hashSecret(token), expiresAt, ip: audit.ip ?? null, userAgent: audit.userAgent ?? null });
        await appendAudit(tx, { ...audit, actorId: user.id, at: now, action: 'user.login', subjectType: 'User', subjectId: user.id, after: { sessionId: id } });
        return id;
      });
      return { token, sessionId, expiresAt, user: toSessionUser(user) };
    },

    /** Resolves a session token or a personal API token; undefined when neither is live. */
    async authenticate(secret: string): Promise<Principal | undefined> {
      const now = clock();
      const tokenHash = hashSecret(secret);
      if (secret.startsWith('pat_')) {
        const principal = await findApiTokenByHash(db, tokenHash, now);
        if (principal) await touchApiToken(db, principal.credentialId, now);
        return principal;
      }
      return findSessionByHash(db, tokenHash, now);
    },

    async logout(actor: RequestActor, audit: AuditContext) {
      if (actor.credential !== 'session') return;
      const now = clock();
      await db.transaction(async (tx) => {
        await revokeSession(tx, actor.credentialId, now);
        await appendAudit(tx, { ...audit, at: now, action: 'user.logout', subjectType: 'User', subjectId: actor.user.id });
      });
    },

    async createToken(actor: RequestActor, params: { name: string; expiresAt?: string | undefined }, audit: AuditContext) {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', subject('ApiToken', { userId: actor.user.id }));
      const now = clock();
      const expiresAt = params.expiresAt ? new Date(params.expiresAt) : null;
      if (expiresAt && expiresAt <= now) {
        throw new AppError('unprocessable', 'expiresAt: must be in the future', { errors: [{ path: 'expiresAt', message: 'must be in the future' }] });
      }
      const token = newSecret('pat');
      const row = await db.transaction(async (tx) => {
        const inserted = await insertApiToken(tx, { userId: actor.user.id, name: params.name, prefix: token.slice(0, 10), tokenHash: hashSecret(token), expiresAt });
        await appendAudit(tx, { ...audit, at: now, action: 'api_token.created', subjectType: 'ApiToken', subjectId: inserted.id, after: { name: inserted.name, prefix: inserted.prefix, expiresAt } });
        return inserted;
      });
      return { id: row.id, token };
    },

    async listTokens(actor: RequestActor) {
      return listApiTokens(db, actor.user.id);
    },

    async revokeToken(actor: RequestActor, id: string, audit: AuditContext) {
      const token = await findApiToken(db, id);
      // Someone else's token is reported as missing, not forbidden: no leak of its existence.
      if (!token || !actor.ability.can('delete', subject('ApiToken', { ...token }))) throw new AppError('not_found', 'No such API token');
      if (token.revokedAt) return;
      const now = clock();
      await db.transaction(async (tx) => {
        await revokeApiToken(tx, id, now);
        await appendAudit(tx, { ...audit, at: now, action: 'api_token.revoked', subjectType: 'ApiToken', subjectId: id, before: { revokedAt: null }, after: { revokedAt: now } });
      });
    },
  };
}
