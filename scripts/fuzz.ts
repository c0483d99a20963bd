/**
 * `npm run fuzz [-- --examples 100] [--seed N] [--as requester,admin]`: the
 * test suite's API fuzz run (test/fuzz/api-contract.test.ts), longer. Starts
 * the app on embedded defaults with fresh data (a Temporal dev server and
 * PGlite in a temporary folder, free ports), runs schemathesis with every
 * check over every operation, stateful phase included, once per identity,
 * prints each summary and exits non-zero on any failure or error.
 */
import { parseArgs } from 'node:util';
import { DEMO_PASSWORD, demoEmail, type DemoKey } from '../db/seed.ts';
import { runSchemathesis, schemathesisExecutable } from './fuzz/schemathesis.ts';
import { startFuzzStack } from './fuzz/stack.ts';

const say = (line: string) => process.stdout.write(`[fuzz] ${line}\n`);

const { values } = parseArgs({
  options: {
    examples: { type: 'string', default: '100' },
    seed: { type: 'string' },
    as: { type: 'string', default: 'requester,admin' },
    verbose: { type: 'boolean', default: false },
  },
});
const maxExamples = Number(values.examples);
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
// The requester first: the admin's run changes users, the requester's signs in as one.
const identities = values.as.split(',').map((key) => ({ name: key, email: demoEmail(key as DemoKey), password: DEMO_PASSWORD }));

async function main() {
  if (!schemathesisExecutable({ install: true, log: say })) throw new Error('schemathesis could not be installed (pip install schemathesis)');
  say('starting the app on embedded defaults with fresh data...');
  const stack = await startFuzzStack({ log: say });
  let failed = false;
  try {
    for (const identity of identities) {
      say(`${identity.name}: ${maxExamples} examples per operation, seed ${seed}`);
      const result = await runSchemathesis({ url: stack.url, identity, maxExamples, seed, ...(values.verbose ? { onLine: (line) => process.stdout.write(`${line}\n`) } : {}) });
      if (!values.verbose) process.stdout.write(`${result.details ? `${result.details}\n` : ''}${result.summary}\n`);
      const phases = Object.entries(result.phases).map(([phase, outcome]) => `${phase} ${outcome}`).join(', ');
      say(`${identity.name}: ${result.operations.tested}/${result.operations.total} operations, ${result.cases.generated} cases, ${result.failures.length} failures; phases: ${phases}; ${result.seconds.toFixed(0)} s`);
      if (result.exitCode !== 0) failed = true;
    }
  } finally {
    await stack.stop();
  }
  say(failed ? `FAILED (seed ${seed})` : 'passed');
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
