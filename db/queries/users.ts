import { and, asc, eq, inArray, lte, gte, sql } from 'drizzle-orm';
import type { Role } from '@p2p/domain';
import type { Executor } from '../client.ts';
import { users, type UserRow } from '../schema/index.ts';
import { containing } from './like.ts';

export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  return row;
}

export interface InsertUserParams {
  email: string;
  name: string;
  passwordHash: string;
  roles: Role[];
  managerId?: string | null;
  department?: string | null;
  demo?: boolean;
}

export async function insertUser(db: Executor, params: InsertUserParams): Promise<UserRow> {
  const [row] = await db
    .insert(users)
    .values({ ...params, email: params.email.toLowerCase() })
    .returning();
  return row!;
}

export type UpdateUserParams = Partial<
  Pick<UserRow, 'name' | 'roles' | 'managerId' | 'department' | 'active' | 'passwordHash'>
>;

export async function updateUser(db: Executor, id: string, params: UpdateUserParams): Promise<UserRow> {
  const [row] = await db
    .update(users)
    .set({
      ...params,
      updatedAt: new Date(),
      // A deactivated account's retention counts from its (first) deactivation; reactivating clears it.
      ...(params.active === false ? { deactivatedAt: sql`coalesce(${users.deactivatedAt}, now())` } : params.active === true ? { deactivatedAt: null } : {}),
    })
    .where(eq(users.id, id))
    .returning();
  return row!;
}

export interface ListUsersParams {
  limit: number;
  /** Keyset: the e-mail of the last user of the previous page. */
  /** Keyset over the e-mail: the id of the last user of the previous page (one that names no user gives an empty page). */
  after?: string | undefined;
  /** Restrict to these ids (derived from the caller's permissions); undefined means all. */
  ids?: readonly string[];
}

export async function listUsers(db: Executor, params: ListUsersParams): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(
      and(
        params.after ? sql`${users.email} > (select u.email from ${users} u where u.id = ${params.after})` : undefined,
        params.ids ? inArray(users.id, [...params.ids]) : undefined,
      ),
    )
    .orderBy(asc(users.email))
    .limit(params.limit);
}

export async function countUsers(db: Executor): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  return row?.count ?? 0;
}

/** Records a failed password; locks the account for `lockFor` once `maxFailures` is reached. */
export async function recordLoginFailure(
  db: Executor,
  params: { id: string; now: Date; maxFailures: number; lockForMs: number },
): Promise<UserRow> {
  const [row] = await db
    .update(users)
    .set({
      failedLoginCount: sql`${users.failedLoginCount} + 1`,
      lockedUntil: sql`case when ${users.failedLoginCount} + 1 >= ${params.maxFailures}
        then ${new Date(params.now.getTime() + params.lockForMs).toISOString()}::timestamptz
        else ${users.lockedUntil} end`,
    })
    .where(eq(users.id, params.id))
    .returning();
  return row!;
}

export async function resetLoginFailures(db: Executor, id: string): Promise<void> {
  await db.update(users).set({ failedLoginCount: 0, lockedUntil: null }).where(eq(users.id, id));
}

export interface OutOfOfficeParams {
  id: string;
  from: Date | null;
  until: Date | null;
  delegateId: string | null;
}

export async function setOutOfOffice(db: Executor, params: OutOfOfficeParams): Promise<UserRow> {
  const [row] = await db
    .update(users)
    .set({
      outOfOfficeFrom: params.from,
      outOfOfficeUntil: params.until,
      delegateId: params.delegateId,
      updatedAt: new Date(),
    })
    .where(eq(users.id, params.id))
    .returning();
  return row!;
}

/** Users who, at `now`, are out of office and name `delegateId` as their delegate. */
export async function findDelegatorIds(db: Executor, delegateId: string, now: Date): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        eq(users.delegateId, delegateId),
        lte(users.outOfOfficeFrom, now),
        gte(users.outOfOfficeUntil, now),
      ),
    );
  return rows.map((row) => row.id);
}

export async function findReportIds(db: Executor, managerId: string): Promise<string[]> {
  const rows = await db.select({ id: users.id }).from(users).where(eq(users.managerId, managerId));
  return rows.map((row) => row.id);
}

export async function findActiveUsersWithRole(db: Executor, role: Role): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.active, true), sql`${role} = any(${users.roles})`))
    .orderBy(asc(users.email));
}

export async function findUsersByIds(db: Executor, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(users).where(inArray(users.id, [...ids]));
}

/** Active people for pickers (delegate, reassignment): name or e-mail contains `q`. */
export async function searchActiveUsers(db: Executor, params: { q?: string | undefined; limit: number }): Promise<UserRow[]> {
  const pattern = params.q ? containing(params.q) : undefined;
  return db
    .select()
    .from(users)
    .where(and(eq(users.active, true), pattern ? sql`(${users.name} ilike ${pattern} or ${users.email} ilike ${pattern})` : undefined))
    .orderBy(asc(users.name))
    .limit(params.limit);
}
