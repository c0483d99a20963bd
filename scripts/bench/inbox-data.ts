import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';

/**
 * The inbox benchmark's company: `users` people in one management tree, and
 * a task history loaded with set-based SQL (INSERT … SELECT over
 * generate_series), not through workflows. Every id is md5 of a name and an
 * index, so the SQL that writes tasks computes assignees, managers and
 * watchers by arithmetic instead of joining.
 *
 * People, by index: finance directors, procurement managers, managers (a tree
 * of ten under each), buyers (under the procurement managers), warehouse,
 * accountants, then one requester per benchmark user (reporting to that user,
 * for the completion phase), then every other requester, who report to the
 * managers in contiguous blocks.
 */
export interface Organisation {
  users: number;
  financeDirectors: { start: number; count: number };
  procurementManagers: { start: number; count: number };
  managers: { start: number; count: number };
  buyers: { start: number; count: number };
  warehouse: { start: number; count: number };
  accountants: { start: number; count: number };
  /** One per benchmark user: their requisitions land in that user's inbox. */
  benchRequesters: { start: number; count: number };
  requesters: { start: number; count: number };
  /** The signed-in benchmark users, by index: heavy managers first, then procurement managers (who also see a role pool). */
  benchUsers: number[];
}

export const personEmail = (index: number) => `person-${index}@bench.local`;
const personId = (index: SQL) => sql`md5('bench-user-' || (${index}))::uuid`;

export function planOrganisation(users: number, benchUsers: number): Organisation {
  const atLeast = (minimum: number, share: number) => Math.max(minimum, Math.round(users * share));
  const roleUsers = Math.max(1, Math.round(benchUsers / 5));
  const counts = [
    atLeast(2, 1 / 2000),
    Math.max(roleUsers, atLeast(2, 1 / 500)),
    Math.max(benchUsers - roleUsers, atLeast(1, 0.08)),
    atLeast(1, 0.01),
    atLeast(1, 0.005),
    atLeast(1, 0.005),
    benchUsers,
  ] as const;
  const used = counts.reduce((sum, count) => sum + count, 0);
  if (users - used < 10) throw new Error(`--users ${users} is too few for ${benchUsers} benchmark users: need at least ${used + 10}`);
  let next = 0;
  const block = (count: number) => ({ start: (next += count) - count, count });
  const [financeDirectors, procurementManagers, managers, buyers, warehouse, accountants, benchRequesters] = counts.map(block);
  const requesters = block(users - used);
  return {
    users,
    financeDirectors: financeDirectors!,
    procurementManagers: procurementManagers!,
    managers: managers!,
    buyers: buyers!,
    warehouse: warehouse!,
    accountants: accountants!,
    benchRequesters: benchRequesters!,
    requesters,
    benchUsers: [
      ...Array.from({ length: benchUsers - roleUsers }, (_, i) => managers!.start + i),
      ...Array.from({ length: roleUsers }, (_, i) => procurementManagers!.start + i),
    ],
  };
}

const n = (value: number) => sql.raw(String(Math.trunc(value)));

/** The manager above manager number `m` (0-based among managers): ten per manager, the first ten under the finance directors. */
const managerAbove = (org: Organisation, m: SQL) =>
  sql`case when ${m} < 10 then ${n(org.financeDirectors.start)} + ${m} % ${n(org.financeDirectors.count)} else ${n(org.managers.start)} + ${m} / 10 end`;

/** Inserts the people in one statement; everyone signs in with the same password (one hash, computed once). */
export async function loadPeople(db: Database, org: Organisation, passwordHash: string): Promise<void> {
  const { financeDirectors: fd, procurementManagers: pm, managers: mg, buyers: by, warehouse: wh, accountants: ac, benchRequesters: br, requesters: rq } = org;
  const i = sql.raw('i');
  const end = (block: { start: number; count: number }) => n(block.start + block.count);
  const benchManagers = org.benchUsers.filter((index) => index >= mg.start && index < mg.start + mg.count).length;
  await db.execute(sql`
    insert into users (id, email, name, password_hash, roles, manager_id, department)
    select ${personId(i)}, 'person-' || i || '@bench.local', 'Bench person ' || i, ${passwordHash},
      case when i < ${end(fd)} then '{finance_director}'::text[]
           when i < ${end(pm)} then '{procurement_manager}'
           when i < ${end(mg)} then '{manager}'
           when i < ${end(by)} then '{buyer}'
           when i < ${end(wh)} then '{warehouse}'
           when i < ${end(ac)} then '{accountant}'
           else '{requester}' end,
      case when i < ${end(fd)} then null
           when i < ${end(pm)} then ${personId(sql`${n(fd.start)} + (i - ${n(pm.start)}) % ${n(fd.count)}`)}
           when i < ${end(mg)} then ${personId(managerAbove(org, sql`(i - ${n(mg.start)})`))}
           when i < ${end(by)} then ${personId(sql`${n(pm.start)} + (i - ${n(by.start)}) % ${n(pm.count)}`)}
           when i < ${end(ac)} then ${personId(sql`${n(mg.start)} + i % ${n(mg.count)}`)}
           when i < ${end(br)} then ${personId(sql`case when i - ${n(br.start)} < ${n(benchManagers)} then ${n(mg.start)} + (i - ${n(br.start)}) else ${n(pm.start)} + (i - ${n(br.start)} - ${n(benchManagers)}) end`)}
           else ${personId(sql`${n(mg.start)} + (i - ${n(rq.start)})::bigint * ${n(mg.count)} / ${n(rq.count)}`)} end,
      'Department ' || (i % 40)
    from generate_series(0, ${n(org.users - 1)}) as i`);
}

/** Rows per 50 processes: 30 with one step, 15 with two, 5 with three (75), plus 2 answered questions. */
const ROWS_PER_50_PROCESSES = 77;
/** The last share of processes falls in the last 14 days; about half of those are still open. */
const RECENT_SHARE = 0.12;

/**
 * Loads `count` tasks of past and running requisition approvals: most closed
 * (approved, some rejected or withdrawn), the recent ones about half open at
 * some step; line-manager steps assigned (a few escalated, the first holder
 * kept as watcher), procurement and finance steps offered to the role and
 * claimed by one holder. Requesters are drawn skewed towards the first
 * managers' teams, so the benchmark users own the most tasks. Rows are written
 * newest process first; LIMIT cuts the oldest.
 */
export async function loadTasks(db: Database, org: Organisation, count: number): Promise<void> {
  // Running processes stop at their open step, so a few more processes than the average needs; LIMIT cuts the rest.
  const processes = Math.ceil(((count * 50) / ROWS_PER_50_PROCESSES) * 1.03) + 10;
  const recent = Math.max(1, Math.round(processes * RECENT_SHARE));
  const older = processes - recent;
  const { financeDirectors: fd, procurementManagers: pm, managers: mg, requesters: rq } = org;
  const manager = sql.raw('manager');
  await db.transaction(async (tx) => {
    // One connection, one seed: the same input loads the same company.
    await tx.execute(sql`select setseed(0.42)`);
    await tx.execute(sql`
      with process as materialized (
        select p,
          case when p % 10 < 6 then 1 when p % 10 < 9 then 2 else 3 end as steps,
          p % 25 = 3 as questioned,
          case when p >= ${n(older)} then now() - (${n(processes)} - p)::float8 / ${n(recent)} * interval '14 days'
               else now() - interval '14 days' - (${n(older)} - p)::float8 / ${n(Math.max(1, older))} * interval '716 days' end as started,
          p >= ${n(older)} and random() < 0.5 as running,
          random() as r_step, random() as r_requester, random() as r_escalated, random() as r_holder, random() as r_unclaimed, random() as r_end, random() as r_due
        from generate_series(${n(processes - 1)}, 0, -1) as p
      ), shaped as (
        select process.*,
          case when running then least(steps - 1, floor(r_step * steps)::int) else steps - 1 end as last_step,
          ${n(rq.start)} + floor(${n(rq.count)} * power(r_requester, 1.5))::int as requester,
          md5('bench-requisition-' || p)::uuid::text as subject_id,
          'REQ-' || to_char(started, 'YYYY') || '-' || lpad((p + 1)::text, 7, '0') as business_key,
          (case when steps = 1 then 50 + p % 950 when steps = 2 then 1000 + p * 37 % 24000 else 25000 + p * 101 % 200000 end)::numeric(18, 2)::text as total
        from process
      ), step as (
        select shaped.*, s,
          questioned and s = last_step + 1 as answer,
          running and s = last_step as still_open,
          case when s > last_step then least(interval '4 hours', (now() - started) / 4)
               else s * least(interval '1 day', (now() - started) / (last_step + 2)) end + started as opened_at,
          ${n(mg.start)} + (requester - ${n(rq.start)})::bigint * ${n(mg.count)} / ${n(rq.count)} as manager
        from shaped cross join lateral generate_series(0, last_step + (case when questioned then 1 else 0 end)) as s
      ), task as (
        select step.*,
          case when answer then 'requisition_answer' else 'requisition_approval' end as kind,
          case when answer or s = 0 then null when s = 1 then 'procurement_manager' else 'finance_director' end as candidate_role,
          case when answer then null when s = 0 then 'line_manager' when s = 1 then 'procurement_manager' else 'finance_director' end as level,
          case when answer then ${personId(sql`requester`)}
               when s = 0 and r_escalated < 0.03 then ${personId(managerAbove(org, sql`(${manager} - ${n(mg.start)})`))}
               when s = 0 then ${personId(manager)}
               when still_open and r_unclaimed < 0.5 then null
               when s = 1 then ${personId(sql`${n(pm.start)} + floor(r_holder * ${n(pm.count)})::int`)}
               else ${personId(sql`${n(fd.start)} + floor(r_holder * ${n(fd.count)})::int`)} end as assignee,
          case when still_open then 'open' when s = last_step and r_end < 0.04 then 'cancelled' else 'completed' end as status,
          case when r_due < 0.03 then null else opened_at + interval '2 days' end as due_at,
          least(now(), opened_at + ((p * 7 + s * 13) % 60 + 1) * interval '1 hour') as closed_at
        from step
      )
      insert into tasks (process_id, step_key, kind, title, business_key, subject_type, subject_id, assignee_id, candidate_role, watcher_ids,
                         due_at, reminded_at, escalation_level, actions, status, outcome, comment, completed_by_id, completed_at, data, created_at, updated_at)
      select 'requisition-' || subject_id,
        case when answer then 'r0-s0-q1' else 'r0-s' || s end,
        kind,
        case when answer then 'Answer the question on ' || business_key || ': Bench purchase ' || p
             else 'Approve ' || business_key || ': Bench purchase ' || p || ' (' || replace(level, '_', ' ') || ')' end,
        business_key, 'Requisition', subject_id, assignee, candidate_role,
        case when s = 0 and not answer and r_escalated < 0.03 then array[${personId(manager)}] else '{}'::uuid[] end,
        due_at,
        case when still_open and due_at < now() + interval '8 hours' then due_at - interval '8 hours' end,
        case when s = 0 and not answer and r_escalated < 0.03 then 1 else 0 end,
        case when answer then '{answer,withdraw}'::text[] else '{approve,reject,question}'::text[] end,
        status,
        case when still_open then null when answer then 'answer' when status = 'cancelled' then 'cancelled' when s = last_step and r_end < 0.12 then 'reject' else 'approve' end,
        case when answer then 'Answered: see the attached quote' when not still_open and status = 'completed' and s = last_step and r_end < 0.12 then 'Not in this quarter''s budget' end,
        case when status = 'completed' then assignee end,
        case when not still_open then closed_at end,
        jsonb_build_object('level', level, 'round', 0, 'note', null, 'question', case when answer then 'Which supplier quoted this?' end, 'total', total),
        opened_at,
        case when still_open then opened_at else closed_at end
      from task
      limit ${n(count)}`);
  });
}

export async function analyze(db: Database): Promise<void> {
  await db.execute(sql`analyze users`);
  await db.execute(sql`analyze tasks`);
}

/** Row counts that describe the loaded table. */
export async function taskFacts(db: Database) {
  const rows = await db.execute(sql`
    select (select count(*) from tasks)::int as tasks,
           (select count(*) from tasks where status = 'open')::int as open,
           (select count(*) from tasks where status = 'open' and assignee_id is null)::int as pool,
           (select count(*) from users)::int as users`);
  return rowsOf<{ tasks: number; open: number; pool: number; users: number }>(rows)[0]!;
}

/** Open tasks each benchmark user may complete or claim, as the inbox counts them. */
export async function inboxSizes(db: Database, org: Organisation) {
  const rows = await db.execute(sql`
    select i as index, (select count(*) from tasks where status = 'open' and assignee_id = ${personId(sql.raw('i'))})::int as assigned
    from unnest(${sql.raw(`array[${org.benchUsers.join(',')}]`)}::int[]) as i`);
  return rowsOf<{ index: number; assigned: number }>(rows);
}

/** postgres.js answers an array, PGlite an object with rows. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
