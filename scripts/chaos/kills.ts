import type { BenchStack, Part } from '../bench/stack.ts';
import { sleep } from '../bench/support.ts';

/**
 * What a kill waits for (at most 5 s): a decision the activities have already
 * written (its task row is closed) but whose answer has not come back, so the
 * engine may not have recorded it yet; or a create or submit whose
 * Idempotency-Key the API has claimed but not answered.
 */
export type Aim = 'half-done decision' | 'submission';

export interface KillRecord {
  part: Part;
  aim: Aim;
  /** Whether the kill found what it aimed at (else it took any write in flight). */
  aimHit: boolean;
  /** Share of all planned decisions made when the kill came (the plan said `plannedAt`). */
  plannedAt: number;
  decisionsAtKill: number;
  /** Client requests that change something, under way at the kill, by kind. */
  writesInFlight: Record<string, number>;
  /** Decisions under way whose task row was already closed: recorded by the activities, not yet answered. */
  decisionsHalfDone: number;
  killedAtSeconds: number;
  /** How long the part stayed dead while the clients kept going. */
  downSeconds: number;
  /** Time the restart took until the part answered again. */
  restartSeconds: number;
  /** From the kill to the first decision answered after the part was back. */
  outageSeconds: number | null;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

export const describeWrites = (writes: Record<string, number>) => Object.entries(writes).map(([kind, count]) => `${count} ${kind}`).join(', ') || 'none';

async function until(condition: () => boolean, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/**
 * SIGKILLs the worker, then the API, then the Temporal dev server, each when
 * its share of the decisions is made and, if it comes within 5 s, at what it
 * aims at (else at any write in flight); keeps
 * each one down for `downMs` while the drivers carry on, then starts it again
 * (Temporal on the same SQLite file and port).
 */
export async function runKills(params: {
  stack: BenchStack;
  schedule: { part: Part; at: number; aim: Aim }[];
  totalDecisions: number;
  decisions: () => number;
  writesInFlight: () => Record<string, number>;
  /** How many decisions under way are half done (their task row closed, no answer yet). */
  halfDone: () => Promise<number>;
  /** How many Idempotency-Keys the API has claimed and not answered yet. */
  claimsOpen: () => Promise<number>;
  finished: () => boolean;
  startedAt: number;
  downMs: number;
  log: (line: string) => void;
}): Promise<KillRecord[]> {
  const { stack } = params;
  const records: KillRecord[] = [];
  const recoveries: Promise<void>[] = [];
  const seconds = (from: number) => round1((Date.now() - from) / 1000);
  for (const { part, at, aim } of params.schedule) {
    await until(() => params.decisions() >= at * params.totalDecisions || params.finished());
    let halfDone = 0;
    let aimHit = false;
    const aimUntil = Date.now() + 5_000;
    while (!params.finished() && Date.now() < aimUntil && !aimHit) {
      halfDone = await params.halfDone();
      aimHit = aim === 'submission' ? (await params.claimsOpen()) > 0 : halfDone > 0;
      if (!aimHit) await sleep(10);
    }
    await until(() => Object.keys(params.writesInFlight()).length > 0 || params.finished(), 5_000);
    const record: KillRecord = { part, aim, aimHit, plannedAt: at, decisionsAtKill: params.decisions(), writesInFlight: params.writesInFlight(), decisionsHalfDone: halfDone, killedAtSeconds: seconds(params.startedAt), downSeconds: 0, restartSeconds: 0, outageSeconds: null };
    records.push(record);
    const killedAt = Date.now();
    await stack.kill(part);
    params.log(`  killed ${part} (SIGKILL) at ${new Date(killedAt).toISOString()} after ${record.decisionsAtKill}/${params.totalDecisions} decisions, writes in flight: ${describeWrites(record.writesInFlight)} (${halfDone} decisions half done)`);
    await sleep(params.downMs);
    record.downSeconds = seconds(killedAt);
    const restarting = Date.now();
    await stack.restart(part);
    record.restartSeconds = seconds(restarting);
    params.log(`  restarted ${part} in ${record.restartSeconds} s (down ${record.downSeconds} s), answering at ${new Date().toISOString()}`);
    const decisionsBack = params.decisions();
    recoveries.push(
      until(() => params.decisions() > decisionsBack || params.finished()).then(() => {
        if (params.decisions() > decisionsBack) record.outageSeconds = seconds(killedAt);
      }),
    );
  }
  await Promise.all(recoveries);
  return records;
}
