/**
 * `npm start`: the whole system on embedded defaults, in one command.
 * Temporal dev server (SQLite in DATA_DIR) unless TEMPORAL_ADDRESS is set;
 * PGlite in DATA_DIR unless DATABASE_URL is set; migrations; demo data; the
 * worker; the API and the web app on one port. Ctrl-C stops every part.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApi } from '../api/bootstrap.ts';
import { seedDemoProcesses } from '../api/demo-processes.ts';
import { loadApiConfig } from '../api/config.ts';
import { createLogger } from '../api/logger.ts';
import { webBuildHandler } from '../api/server.ts';
import { ConfigError } from '../config/env.ts';
import { DEMO_PASSWORD, demoEmail, demoPeople } from '../db/seed.ts';
import { startWorker } from '../worker/bootstrap.ts';
import { loadWorkerConfig } from '../worker/config.ts';
import { startDevTemporal, type DevTemporal } from './dev-temporal.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** Builds the web app when its build is missing or older than its sources. */
function ensureWebBuild() {
  const built = existsSync(webBuildHandler) ? statSync(webBuildHandler).mtimeMs : 0;
  const sources = Math.max(newestMtime(join(root, 'web/src')), newestMtime(join(root, 'domain/src')));
  if (built >= sources) return;
  say('building the web app (first start or changed sources)...');
  const result = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('web build failed');
}

async function main() {
  const started = performance.now();
  const apiConfig = loadApiConfig();
  const workerConfig = loadWorkerConfig();
  const logger = createLogger(apiConfig.LOG_LEVEL === 'info' ? 'warn' : apiConfig.LOG_LEVEL, { service: 'dev' });

  ensureWebBuild();
  let temporal: DevTemporal | undefined;
  let temporalAddress = apiConfig.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    say('starting the Temporal dev server...');
    temporal = await startDevTemporal({ dataDir: apiConfig.DATA_DIR, cliPath: apiConfig.TEMPORAL_CLI_PATH, namespace: apiConfig.TEMPORAL_NAMESPACE, log: say });
    temporalAddress = temporal.address;
  }
  say(`database: ${apiConfig.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${join(apiConfig.DATA_DIR, 'pglite')}`}`);
  const api = await startApi(apiConfig, { logger, temporalAddress });
  // One process shares the database handle: PGlite allows a single client.
  const worker = await startWorker(workerConfig, { db: api.database.db, temporalAddress, logger, publicUrl: apiConfig.publicUrl });

  if (api.demoSeeded) {
    say('starting demo processes (approved, waiting, questioned, rejected requisitions)...');
    await seedDemoProcesses(api.deps).catch((error: unknown) => say(`demo processes incomplete: ${String(error)}`));
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping worker, web/API, database and Temporal...`);
    await worker.shutdown().catch((error: unknown) => say(`worker: ${String(error)}`));
    await api.close();
    await temporal?.stop();
    say('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  worker.done.catch((error: unknown) => {
    say(`worker failed: ${String(error)}`);
    void stop('worker failure');
  });

  const url = `http://localhost:${api.http.port}`;
  say(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(
    [
      '',
      `  Web app        ${url}`,
      `  API            ${url}/api/v1   (reference: ${url}/api/v1/docs)`,
      `  Temporal       ${temporalAddress}${temporal?.uiUrl ? `   (UI: ${temporal.uiUrl})` : ''}`,
      '',
      ...(apiConfig.demoData
        ? [`  Demo logins (password "${DEMO_PASSWORD}"):`, ...demoPeople.map((p) => `    ${demoEmail(p.key).padEnd(32)} ${p.roles.join(', ')}`), '']
        : []),
      '  Ctrl-C stops everything; data stays in ' + apiConfig.DATA_DIR,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
