import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, demoEmail } from '../../db/seed.ts';
import { runSchemathesis, type FuzzIdentity } from '../../scripts/fuzz/schemathesis.ts';
import { startFuzzStack, type FuzzStack } from '../../scripts/fuzz/stack.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

/**
 * The API contract, proven by a generic fuzzer: schemathesis reads
 * /api/v1/openapi.json of the app started as `npm start` starts it (fresh data,
 * demo company, limits for people out of reach) and runs every check on every
 * operation in every phase, stateful included, once as a requester and once
 * as an admin. Any failure or error fails the suite. `npm run fuzz` runs the
 * same with more examples; FUZZ_EXAMPLES and FUZZ_SEED change them here.
 */
const maxExamples = Number(process.env.FUZZ_EXAMPLES ?? 12);
const seed = Number(process.env.FUZZ_SEED ?? 20261202);

// The requester and the accountant (who enters and pays invoices) first: the admin's run changes users (roles, active), which their runs sign in as.
const identities: FuzzIdentity[] = [
  { name: 'requester', email: demoEmail('requester'), password: DEMO_PASSWORD },
  { name: 'accountant', email: demoEmail('accountant'), password: DEMO_PASSWORD },
  { name: 'admin', email: demoEmail('admin'), password: DEMO_PASSWORD },
];

describe('API contract (schemathesis, all checks, every operation)', () => {
  let database: TestDatabase;
  let stack: FuzzStack;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    stack = await startFuzzStack({ database, temporalAddress: inject('temporalAddress'), workflowBundlePath: inject('workflowBundlePath') });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
  });

  it.each(identities)('signed in as $name: no failure, no error, every operation tested', async (identity) => {
    const result = await runSchemathesis({ url: stack.url, identity, maxExamples, seed });
    const phases = Object.entries(result.phases).map(([phase, outcome]) => `${phase} ${outcome}`).join(', ');
    process.stdout.write(
      `[fuzz] ${identity.name}: ${result.operations.tested}/${result.operations.total} operations, ${result.cases.generated} cases (${result.cases.passed} passed, ${result.cases.failed} failed, ${result.cases.skipped} skipped), phases: ${phases}; ${result.seconds.toFixed(0)} s, seed ${seed}, ${maxExamples} examples\n`,
    );
    if (result.exitCode !== 0) process.stdout.write(`${result.details}\n${result.summary}\n`);
    expect(result.failures).toEqual([]);
    expect(result.exitCode, result.summary).toBe(0);
    expect(result.operations.tested).toBe(result.operations.total);
    expect(result.operations.total).toBeGreaterThanOrEqual(43);
    expect(result.cases.generated).toBeGreaterThan(result.operations.total * maxExamples);
    expect(result.phases).toMatchObject({ coverage: 'passed', fuzzing: 'passed', stateful: 'passed' });
  }, 300_000);
});
