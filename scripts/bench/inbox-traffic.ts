import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rowsOf, type Organisation } from './inbox-data.ts';
import type { BenchStack } from './stack.ts';
import { pool, sleep } from './support.ts';

/** The web inbox's first page (web/src/routes/(app)/inbox/+page.server.ts): open tasks, 25 a page. */
export const INBOX_PATH = '/tasks?status=open&limit=25';

/** Latencies in ms and the wall-clock seconds they took. */
export interface Samples {
  latencies: number[];
  seconds: number;
}

/**
 * Runs one loop per person until each returns false. Back to back when
 * `everyMs` is undefined (a closed loop: the next request leaves when the
 * last answer arrives); otherwise each person acts once per `everyMs`, their
 * start times spread evenly over the interval, like people who pause between
 * clicks (a late answer delays only that person's next request), and no
 * later than `until`.
 */
async function perPerson(people: number, pace: { everyMs?: number | undefined; until?: number }, act: (person: number, round: number) => Promise<boolean>): Promise<Samples['seconds']> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: people }, async (_, person) => {
      for (let round = 0; ; round += 1) {
        if (pace.everyMs !== undefined) {
          const slot = started + (person / people + round) * pace.everyMs;
          if (pace.until !== undefined && slot >= pace.until) return;
          await sleep(slot - performance.now());
        }
        if (!(await act(person, round))) return;
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Each token loads its first inbox page for `seconds`; every answer must be a 200 with tasks on it. */
export async function loadInboxes(stack: BenchStack, tokens: string[], options: { seconds: number; everyMs?: number }): Promise<Samples> {
  const latencies: number[] = [];
  const deadline = performance.now() + options.seconds * 1000;
  const seconds = await perPerson(tokens.length, { everyMs: options.everyMs, until: deadline }, async (person) => {
    const sent = performance.now();
    const answer = await stack.fetchJson('GET', INBOX_PATH, tokens[person]);
    latencies.push(performance.now() - sent);
    if (answer.status !== 200 || !Array.isArray(answer.body.items) || answer.body.items.length === 0) throw new Error(`inbox answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    return performance.now() < deadline;
  });
  return { latencies, seconds };
}

/** Each approver approves their own tasks in turn (a Temporal Update on the running requisition workflow). */
export async function approveAll(stack: BenchStack, queues: { token: string; taskIds: string[] }[], everyMs?: number): Promise<Samples> {
  const latencies: number[] = [];
  const seconds = await perPerson(queues.length, { everyMs }, async (person, round) => {
    const { token, taskIds } = queues[person]!;
    const taskId = taskIds[round];
    if (!taskId) return false;
    const sent = performance.now();
    const done = await stack.fetchJson('POST', `/tasks/${taskId}/complete`, token, { action: 'approve' });
    latencies.push(performance.now() - sent);
    if (done.status !== 200 || (done.body.task as { status?: string } | undefined)?.status !== 'completed') throw new Error(`approve answered ${done.status}: ${JSON.stringify(done.body).slice(0, 300)}`);
    return round + 1 < taskIds.length;
  });
  return { latencies, seconds };
}

/** md5('bench-user-' || index)::uuid, as the loader names people. */
function personIdText(index: number): string {
  const hex = createHash('md5').update(`bench-user-${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Real requisitions with one approval step each (a total under the
 * procurement limit), raised by each benchmark person's own report, so the
 * line-manager task lands in that person's inbox. Resolves, once every task
 * is open, to each benchmark person's open approval task ids.
 */
export async function openApprovals(stack: BenchStack, org: Organisation, tokens: Map<number, string>, count: number): Promise<Map<number, string[]>> {
  const people = org.benchUsers.length;
  const requisitionIds: string[] = [];
  await pool(count, people, async (index) => {
    const requester = tokens.get(org.benchRequesters.start + (index % people))!;
    const created = await stack.fetchJson('POST', '/requisitions', requester, { title: `Inbox bench ${index}`, purpose: 'daily_operations', lines: [{ description: 'Safety gloves', quantity: '4', unit: 'box', unitPrice: '25.00' }] });
    if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
    const submitted = await stack.fetchJson('POST', `/requisitions/${created.body.id as string}/submit`, requester);
    if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
    requisitionIds.push(created.body.id as string);
  });
  const personOf = new Map(org.benchUsers.map((person) => [personIdText(person), person]));
  const idList = sql.join(requisitionIds.map((id) => sql`${id}`), sql`, `);
  for (let waited = 0; waited < 300_000; waited += 250) {
    const open = rowsOf<{ id: string; assignee: string }>(
      await stack.database.db.execute(sql`select id, assignee_id::text as assignee from tasks where subject_id in (${idList}) and status = 'open' and kind = 'requisition_approval' order by created_at, id`),
    );
    if (open.length === count) {
      const byPerson = new Map<number, string[]>(org.benchUsers.map((person) => [person, []]));
      for (const row of open) {
        const person = personOf.get(row.assignee);
        if (person === undefined) throw new Error(`task ${row.id} went to someone outside the benchmark`);
        byPerson.get(person)!.push(row.id);
      }
      return byPerson;
    }
    await sleep(250);
  }
  throw new Error(`the approval tasks of ${count} requisitions did not all open within 300 s`);
}
