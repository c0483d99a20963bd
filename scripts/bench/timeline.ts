import { startBenchStack, type BenchStack } from './stack.ts';
import { latencyStats, say, sleep, writeReport } from './support.ts';

async function waitForTask(stack: BenchStack, token: string, requisitionId: string, kind: string) {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const items = (await stack.fetchJson('GET', `/tasks?subjectId=${requisitionId}`, token)).body.items as { id: string; kind: string }[];
    const task = items.find((t) => t.kind === kind);
    if (task) return task.id;
    await sleep(25);
  }
  throw new Error(`no ${kind} task for ${requisitionId}`);
}

/** Issue 4's bar: a process with about 500 history events renders its timeline in under 300 ms server-side. */
export async function timeline(options: { rounds?: number; requests?: number; smoke: boolean }) {
  const rounds = options.rounds ?? (options.smoke ? 2 : 25);
  const requests = options.requests ?? (options.smoke ? 3 : 50);
  const stack = await startBenchStack();
  try {
    const requester = await stack.login('requester');
    const manager = await stack.login('manager');
    const created = (await stack.fetchJson('POST', '/requisitions', requester, { title: 'Timeline bench', purpose: 'daily_operations', lines: [{ description: 'x', quantity: '1', unit: 'each', unitPrice: '10.00' }] })).body;
    const submitted = (await stack.fetchJson('POST', `/requisitions/${created.id as string}/submit`, requester)).body;
    const workflowId = submitted.workflowId as string;
    // Each question-and-answer round adds two tasks, two decisions, their activities and audit entries.
    for (let round = 0; round < rounds; round += 1) {
      const approval = await waitForTask(stack, manager, created.id as string, 'requisition_approval');
      await stack.fetchJson('POST', `/tasks/${approval}/complete`, manager, { action: 'question', comment: `Question ${round + 1}` });
      const answer = await waitForTask(stack, requester, created.id as string, 'requisition_answer');
      await stack.fetchJson('POST', `/tasks/${answer}/complete`, requester, { action: 'answer', comment: `Answer ${round + 1}` });
    }
    const auditor = await stack.login('auditor');
    const first = await stack.fetchJson('GET', `/processes/${workflowId}/history?limit=2000`, auditor);
    const items = first.body.items as { source: string }[];
    const samples: number[] = [];
    for (let i = 0; i < requests; i += 1) {
      const started = performance.now();
      const response = await stack.fetchJson('GET', `/processes/${workflowId}/history?limit=2000`, auditor);
      samples.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`history answered ${response.status}`);
    }
    const stats = latencyStats(samples);
    const report = {
      scenario: 'timeline',
      database: stack.databaseKind,
      timelineItems: items.length,
      auditItems: items.filter((i) => i.source === 'audit').length,
      engineItems: items.filter((i) => i.source === 'engine').length,
      requests,
      p50ms: stats.p50,
      p95ms: stats.p95,
      p99ms: stats.p99,
      targetP95Ms: 300,
    };
    say('');
    say('timeline: time to fetch one merged process history over HTTP');
    say(`  items in the timeline   ${report.timelineItems} (${report.auditItems} audit, ${report.engineItems} engine)`);
    say(`  requests                ${report.requests}`);
    say(`  p50 / p95 / p99         ${report.p50ms} / ${report.p95ms} / ${report.p99ms} ms   (target p95 < ${report.targetP95Ms} ms)`);
    writeReport('timeline', report);
  } finally {
    await stack.stop();
  }
}
