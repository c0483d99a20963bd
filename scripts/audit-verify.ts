/** `npm run audit:verify`: walks the sealed audit hash chain; exits 1 and names the first broken entry; says what is not sealed yet. */
import { loadApiConfig } from '../api/config.ts';
import { ConfigError } from '../config/env.ts';
import { openDatabase } from '../db/client.ts';
import { verifyAuditChain } from '../db/queries/audit.ts';
import { databaseTarget } from '../db/target.ts';

try {
  const config = loadApiConfig();
  const database = await openDatabase(databaseTarget(config));
  // Same migrations the app applies on start: a fresh data folder verifies as an empty chain.
  await database.migrate();
  const started = performance.now();
  const result = await verifyAuditChain(database.db);
  await database.close();
  const ms = Math.round(performance.now() - started);
  const sealing = result.unsealed === 0 ? 'all sealed' : `${result.unsealed} not sealed yet, oldest ${result.oldestUnsealedAt} (${result.sealLagMs} ms behind)`;
  if (result.ok) {
    const from = result.disposed ? ` from entry ${result.startsAt} (entries 1 to ${result.disposed.entries} were disposed after retention, the last dated ${result.disposed.lastAt})` : '';
    process.stdout.write(`audit chain OK: ${result.checked} entries verified${from} in ${ms} ms; ${sealing}\n`);
  } else {
    process.stdout.write(`audit chain BROKEN at entry ${result.firstBrokenId} (after ${result.checked - 1} good entries)\n`);
    process.exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
