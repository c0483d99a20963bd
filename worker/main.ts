/** Production entry of a worker replica: `tsx worker/main.ts`. */
import { ConfigError } from '../config/env.ts';
import { createLogger } from '../api/logger.ts';
import { startAuditSealer } from '../db/audit-sealer.ts';
import { openDatabase } from '../db/client.ts';
import { databaseTarget } from '../db/target.ts';
import { startWorker } from './bootstrap.ts';
import { loadWorkerConfig } from './config.ts';

try {
  const config = loadWorkerConfig();
  const logger = createLogger(config.LOG_LEVEL, { service: 'worker' });
  if (!config.DATABASE_URL) logger.warn('DATABASE_URL is unset: a separate worker process cannot share PGlite; use npm start for the embedded setup');
  const database = await openDatabase(databaseTarget(config));
  const stopAuditSealer = startAuditSealer(database.db, { onError: (error) => logger.warn('audit sealing failed; retrying', { error }) });
  const running = await startWorker(config, { db: database.db, temporalAddress: config.TEMPORAL_ADDRESS ?? 'localhost:7233', logger, publicUrl: 'http://localhost:3000' });
  const stop = async () => {
    logger.info('shutting down');
    await running.shutdown();
    await stopAuditSealer();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await running.done;
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}
