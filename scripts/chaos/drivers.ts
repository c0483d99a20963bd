import { sleep } from '../bench/support.ts';
import type { Answer, ResilientClient } from './client.ts';
import type { Person, PlannedRequisition, Step } from './plans.ts';

export interface Account {
  token: string;
  userId: string;
}

/** One requisition as the drivers move it along its plan. */
export interface Chain {
  planned: PlannedRequisition;
  id?: string;
  number?: string;
  workflowId?: string;
  /** Index of the next step of the plan. */
  next: number;
  /** Tasks this chain already decided: the next step waits for a different one. */
  decidedTaskIds: Set<string>;
  /** Not before this time (ms) when the last look found nothing to act on yet. */
  notBefore: number;
  /** Created only once this many decisions are made (spreads submissions over the kills); 0 for the rest. */
  startAfterDecisions: number;
  finished: boolean;
  /** Set when an answer proved the run wrong (not an outage): the chain stops there. */
  anomaly?: string;
}

export interface DriverStats {
  decisions: number;
  /** A decision answered 409/404 after an attempt whose answer was lost, and the task showed our outcome. */
  conflictsVerifiedAsOurs: number;
  /** Decisions (and withdrawals) answered only on a later attempt: an outage cut the first one off. */
  decisionsRetried: number;
  created: number;
  submitted: number;
  /** Inbox or requisition reads that found the next step not there yet. */
  notReadyPolls: number;
}

const requisitionBody = (chain: Chain) => ({
  title: `Chaos ${chain.planned.index}: ${chain.planned.plan.name}`,
  purpose: 'daily_operations',
  lines: [{ description: 'Spare part', quantity: '1', unit: 'each', unitPrice: chain.planned.plan.unitPrice }],
});

/**
 * Drives every chain through its plan over HTTP with `concurrency` clients
 * that take whichever chain has a step ready, so all of them are mid-chain
 * at once. Client calls outlive outages (see client.ts); an answer that is
 * not explained by an outage marks the chain as an anomaly.
 */
export function createDrivers(options: { client: ResilientClient; accounts: Record<Person, Account>; runId: string }) {
  const { client, accounts, runId } = options;
  /** Tasks whose completion request is under way. */
  const decisionsInFlight = new Set<string>();
  const stats: DriverStats = { decisions: 0, conflictsVerifiedAsOurs: 0, decisionsRetried: 0, created: 0, submitted: 0, notReadyPolls: 0 };

  const fail = (chain: Chain, what: string, answer: Answer) => {
    chain.anomaly = `${what} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`;
    chain.finished = true;
    return true;
  };

  /** Create and submit, each with its own Idempotency-Key so a retry after a lost answer replays instead of repeating. */
  async function createAndSubmit(chain: Chain): Promise<boolean> {
    const requester = accounts[chain.planned.requester];
    if (!chain.id) {
      const created = await client.call('POST', '/requisitions', requester.token, requisitionBody(chain), { 'idempotency-key': `chaos-${runId}-${chain.planned.index}-create` });
      if (created.status !== 201) return fail(chain, 'create', created);
      chain.id = created.body.id as string;
      stats.created += 1;
    }
    const submitted = await client.call('POST', `/requisitions/${chain.id}/submit`, requester.token, undefined, { 'idempotency-key': `chaos-${runId}-${chain.planned.index}-submit` });
    if (submitted.status !== 202) return fail(chain, 'submit', submitted);
    chain.number = submitted.body.number as string;
    chain.workflowId = submitted.body.workflowId as string;
    stats.submitted += 1;
    return true;
  }

  const recordDecision = (chain: Chain) => {
    chain.next += 1;
    stats.decisions += 1;
    if (chain.next >= chain.planned.steps.length) chain.finished = true;
    return true;
  };

  async function decide(chain: Chain, step: Extract<Step, { kind: 'decide' }>): Promise<boolean> {
    const actor = accounts[step.by];
    const inbox = await client.call('GET', `/tasks?subjectId=${chain.id}`, actor.token);
    if (inbox.status !== 200) return fail(chain, 'inbox', inbox);
    const task = (inbox.body.items as { id: string; kind: string }[]).find((item) => item.kind === step.taskKind && !chain.decidedTaskIds.has(item.id));
    if (!task) return false;
    decisionsInFlight.add(task.id);
    const answer = await client.call('POST', `/tasks/${task.id}/complete`, actor.token, { action: step.action, ...(step.comment ? { comment: step.comment } : {}) }).finally(() => decisionsInFlight.delete(task.id));
    if (answer.attempts > 1) stats.decisionsRetried += 1;
    if (answer.status === 200) {
      const decided = answer.body.task as { status: string; outcome: string | null };
      if (decided.status !== 'completed' || decided.outcome !== step.action) return fail(chain, `${step.action} of task ${task.id}`, answer);
    } else if (answer.status === 409 || answer.status === 404) {
      // An earlier attempt whose answer was lost may have decided it: believe the task, not the status code.
      const now = await client.call('GET', `/tasks/${task.id}`, actor.token);
      const row = now.body as { status?: string; outcome?: string | null; completedById?: string | null };
      if (now.status !== 200 || row.status !== 'completed' || row.outcome !== step.action || row.completedById !== actor.userId) return fail(chain, `${step.action} of task ${task.id} (then ${JSON.stringify(row).slice(0, 200)})`, answer);
      stats.conflictsVerifiedAsOurs += 1;
    } else {
      return fail(chain, `${step.action} of task ${task.id}`, answer);
    }
    chain.decidedTaskIds.add(task.id);
    return recordDecision(chain);
  }

  /** The requester withdraws once the planned step is open (so its task exists, to be cancelled). */
  async function withdraw(chain: Chain, step: Extract<Step, { kind: 'withdraw' }>): Promise<boolean> {
    const actor = accounts[step.by];
    const before = await client.call('GET', `/requisitions/${chain.id}`, actor.token);
    if (before.status !== 200) return fail(chain, 'read requisition', before);
    const steps = before.body.steps as { level: number; status: string }[];
    if (steps.find((one) => one.level === step.whileLevelOpen)?.status !== 'active') return false;
    const answer = await client.call('POST', `/requisitions/${chain.id}/withdraw`, actor.token, { reason: 'chaos: no longer needed' });
    if (answer.attempts > 1) stats.decisionsRetried += 1;
    if (answer.status === 409) {
      const now = await client.call('GET', `/requisitions/${chain.id}`, actor.token);
      if (now.body.status !== 'withdrawn') return fail(chain, 'withdraw', answer);
      stats.conflictsVerifiedAsOurs += 1;
    } else if (answer.status !== 200 || answer.body.status !== 'withdrawn') {
      return fail(chain, 'withdraw', answer);
    }
    return recordDecision(chain);
  }

  /** One move on a chain; false when its next step is not there yet. */
  async function advance(chain: Chain): Promise<boolean> {
    if (!chain.workflowId) return createAndSubmit(chain);
    const step = chain.planned.steps[chain.next]!;
    const moved = step.kind === 'decide' ? await decide(chain, step) : await withdraw(chain, step);
    if (!moved) stats.notReadyPolls += 1;
    return moved;
  }

  /** Runs until every chain finished (or the deadline throws out of a client call). */
  async function run(chains: Chain[], concurrency: number): Promise<void> {
    const queue = chains.filter((chain) => !chain.finished);
    const worker = async () => {
      while (chains.some((chain) => !chain.finished)) {
        const now = Date.now();
        const index = queue.findIndex((chain) => chain.notBefore <= now && stats.decisions >= chain.startAfterDecisions);
        if (index < 0) {
          await sleep(25);
          continue;
        }
        const chain = queue.splice(index, 1)[0]!;
        const moved = await advance(chain);
        if (chain.finished) continue;
        chain.notBefore = moved ? 0 : Date.now() + 200;
        queue.push(chain);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  return { stats, run, createAndSubmit, decisionsInFlight: () => [...decisionsInFlight] };
}
