import { ForbiddenError, subject } from '@casl/ability';
import type { CreateUserBody, OutOfOfficeBody, UpdateUserBody, User } from '@p2p/domain';
import { appendAudit } from '../../db/queries/audit.ts';
import type { RecordAnswer } from '../../db/queries/idempotency.ts';
import { findUserByEmail, findUserById, insertUser, listUsers, searchActiveUsers, setOutOfOffice, updateUser } from '../../db/queries/users.ts';
import type { UserRow } from '../../db/schema/index.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, fieldError } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';
import { hashPassword } from './credentials.ts';

/** The public view of a user: never the hash, the lockout counters or the demo flag. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: row.roles,
    managerId: row.managerId,
    department: row.department,
    active: row.active,
    outOfOffice:
      row.outOfOfficeFrom && row.outOfOfficeUntil && row.delegateId
        ? { from: row.outOfOfficeFrom.toISOString(), until: row.outOfOfficeUntil.toISOString(), delegateId: row.delegateId }
        : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Fields audited on user changes (never the password hash). */
const audited = (user: User) => ({ email: user.email, name: user.name, roles: user.roles, managerId: user.managerId, department: user.department, active: user.active, outOfOffice: user.outOfOffice });

export type UserService = ReturnType<typeof createUserService>;

export function createUserService(deps: Pick<ApiDeps, 'db' | 'clock'>) {
  const { db, clock } = deps;

  async function loadReadable(actor: RequestActor, id: string): Promise<UserRow> {
    const row = await findUserById(db, id);
    if (!row || !actor.ability.can('read', subject('User', { ...row }))) throw new AppError('not_found', 'No such user');
    return row;
  }

  async function requireManager(managerId: string | null | undefined, path = 'managerId') {
    if (!managerId) return;
    const manager = await findUserById(db, managerId);
    if (!manager || !manager.active) throw fieldError(path, 'no active user with this id');
  }

  return {
    async create(actor: RequestActor, body: CreateUserBody, audit: AuditContext, recordAnswer?: RecordAnswer<User>): Promise<User> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'User');
      if (await findUserByEmail(db, body.email)) throw new AppError('conflict', 'A user with this e-mail already exists', { errors: [{ path: 'email', message: 'already taken' }] });
      await requireManager(body.managerId);
      const passwordHash = await hashPassword(body.password);
      return db.transaction(async (tx) => {
        const row = await insertUser(tx, { ...body, passwordHash });
        const user = toUser(row);
        await appendAudit(tx, { ...audit, at: clock(), action: 'user.created', subjectType: 'User', subjectId: row.id, after: audited(user) });
        await recordAnswer?.(tx, user);
        return user;
      });
    },

    async update(actor: RequestActor, id: string, body: UpdateUserBody, audit: AuditContext): Promise<User> {
      const before = await loadReadable(actor, id);
      ForbiddenError.from(actor.ability).throwUnlessCan('update', subject('User', { ...before }));
      for (const field of ['roles', 'active'] as const) {
        if (body[field] !== undefined) ForbiddenError.from(actor.ability).throwUnlessCan('update', subject('User', { ...before }), field);
      }
      if (body.managerId === id) throw fieldError('managerId', 'a user cannot be their own manager');
      await requireManager(body.managerId);
      return db.transaction(async (tx) => {
        const row = await updateUser(tx, id, body);
        const user = toUser(row);
        await appendAudit(tx, { ...audit, at: clock(), action: 'user.updated', subjectType: 'User', subjectId: id, before: audited(toUser(before)), after: audited(user) });
        return user;
      });
    },

    async get(actor: RequestActor, id: string): Promise<User> {
      return toUser(await loadReadable(actor, id));
    },

    /** Admins and auditors list everyone; others see themselves and, for managers, their reports. */
    async list(actor: RequestActor, params: { limit: number; after?: string | undefined }) {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'User');
      const seesAll = actor.ability.can('read', subject('User', { id: '00000000-0000-0000-0000-000000000000' }));
      const ids = seesAll ? undefined : [actor.user.id, ...actor.reportIds];
      const rows = await listUsers(db, { limit: params.limit, after: params.after, ids });
      return rows.map(toUser);
    },

    /** The company directory for pickers: every signed-in person sees active colleagues' names, e-mails and roles. */
    async directory(_actor: RequestActor, params: { q?: string | undefined; limit: number }) {
      const rows = await searchActiveUsers(db, params);
      return rows.map((row) => ({ id: row.id, name: row.name, email: row.email, roles: row.roles, department: row.department }));
    },

    /** Sets (or clears, with null) an out-of-office period with a delegate: the user themself, or an admin. */
    async setOutOfOffice(actor: RequestActor, id: string, body: OutOfOfficeBody | null, audit: AuditContext): Promise<User> {
      const before = await loadReadable(actor, id);
      ForbiddenError.from(actor.ability).throwUnlessCan('delegate', subject('User', { ...before }));
      if (body) {
        if (body.delegateId === id) throw fieldError('delegateId', 'cannot delegate to yourself');
        await requireManager(body.delegateId, 'delegateId');
      }
      return db.transaction(async (tx) => {
        const row = await setOutOfOffice(tx, {
          id,
          from: body ? new Date(body.from) : null,
          until: body ? new Date(body.until) : null,
          delegateId: body?.delegateId ?? null,
        });
        const user = toUser(row);
        await appendAudit(tx, { ...audit, at: clock(), action: body ? 'user.out_of_office_set' : 'user.out_of_office_cleared', subjectType: 'User', subjectId: id, before: { outOfOffice: toUser(before).outOfOffice }, after: { outOfOffice: user.outOfOffice } });
        return user;
      });
    },
  };
}
