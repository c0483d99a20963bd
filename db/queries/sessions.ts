import { and, desc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { apiTokens, sessions, users, type ApiTokenRow, type UserRow } from '../schema/index.ts';

export interface InsertSessionParams {
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export async function insertSession(db: Executor, params: InsertSessionParams): Promise<string> {
  const [row] = await db.insert(sessions).values(params).returning({ id: sessions.id });
  return row!.id;
}

export interface Principal {
  user: UserRow;
  /** The session or token id that authenticated the request. */
  credentialId: string;
  credential: 'session' | 'token' | 'action_link';
}

/** A live session (not expired, not revoked) of an active user. */
export async function findSessionByHash(db: Executor, tokenHash: string, now: Date): Promise<Principal | undefined> {
  const [row] = await db
    .select({ user: users, id: sessions.id })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, tokenHash),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        eq(users.active, true),
      ),
    )
    .limit(1);
  return row && { user: row.user, credentialId: row.id, credential: 'session' };
}

export async function revokeSession(db: Executor, id: string, now: Date): Promise<void> {
  await db.update(sessions).set({ revokedAt: now }).where(eq(sessions.id, id));
}

export interface InsertApiTokenParams {
  userId: string;
  name: string;
  prefix: string;
  tokenHash: string;
  expiresAt: Date | null;
}

export async function insertApiToken(db: Executor, params: InsertApiTokenParams): Promise<ApiTokenRow> {
  const [row] = await db.insert(apiTokens).values(params).returning();
  return row!;
}

export async function findApiTokenByHash(db: Executor, tokenHash: string, now: Date): Promise<Principal | undefined> {
  const [row] = await db
    .select({ user: users, id: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.tokenHash, tokenHash),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
        eq(users.active, true),
      ),
    )
    .limit(1);
  return row && { user: row.user, credentialId: row.id, credential: 'token' };
}

export async function touchApiToken(db: Executor, id: string, now: Date): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id));
}

export async function listApiTokens(db: Executor, userId: string): Promise<ApiTokenRow[]> {
  return db.select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt));
}

export async function findApiToken(db: Executor, id: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1);
  return row;
}

export async function revokeApiToken(db: Executor, id: string, now: Date): Promise<void> {
  await db.update(apiTokens).set({ revokedAt: now }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
}
