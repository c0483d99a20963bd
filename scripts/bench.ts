/**
 * `npm run bench -- <scenario> [--flags]`: measurements that print numbers,
 * run outside the test suite. Each scenario starts what it needs (see
 * scripts/bench/stack.ts): a Temporal dev server, the database from
 * DATABASE_URL (API and worker then run as separate processes) or an
 * in-memory PGlite, one worker and the API.
 *
 *   throughput  [--n 500] [--c 20]             requisition chains (submit + 2 approvals) per second over HTTP,
 *                                              beside a bare-Temporal baseline (a start + 2 Updates, no activities)
 *   inbox       [--tasks 1000000] [--users 10000] [--c 50] [--seconds 20]
 *                                              inbox list and task completion latency with a big task table
 *   timeline    [--rounds 25] [--requests 50]  time to fetch one process's merged history
 *   reports     [--scale 1] [--requests 20]    every report over a year of data (2,000 people, 60,000 orders...)
 *                                              and every role's dashboard: p50/p95 over HTTP
 *   --smoke                                    tiny sizes, for CI to keep the scenarios from rotting
 *
 * Each prints a table and writes its JSON report under bench-results/.
 */
import { parseArgs } from 'node:util';
import { inbox } from './bench/inbox.ts';
import { reports } from './bench/reports.ts';
import { say } from './bench/support.ts';
import { throughput } from './bench/throughput.ts';
import { timeline } from './bench/timeline.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string' },
    requests: { type: 'string' },
    n: { type: 'string' },
    c: { type: 'string' },
    tasks: { type: 'string' },
    users: { type: 'string' },
    seconds: { type: 'string' },
    scale: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
});
const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const smoke = values.smoke;

const scenarios: Record<string, () => Promise<void>> = {
  throughput: () => throughput({ n: number(values.n), c: number(values.c), smoke }),
  inbox: () => inbox({ tasks: number(values.tasks), users: number(values.users), c: number(values.c), seconds: number(values.seconds), smoke }),
  timeline: () => timeline({ rounds: number(values.rounds), requests: number(values.requests), smoke }),
  reports: () => reports({ scale: number(values.scale), requests: number(values.requests), smoke }),
};
const scenario = positionals[0] ?? 'throughput';
const run = scenarios[scenario];
if (!run) {
  say(`unknown scenario "${scenario}"; one of: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
try {
  await run();
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
