/** Production entry of the API + web app: `tsx api/main.ts`. */
import { ConfigError } from '../config/env.ts';
import { startApi } from './bootstrap.ts';
import { loadApiConfig } from './config.ts';
import { createLogger } from './logger.ts';

try {
  const config = loadApiConfig();
  const logger = createLogger(config.LOG_LEVEL, { service: 'api' });
  const api = await startApi(config, { logger, temporalAddress: config.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  logger.info('listening', { port: api.http.port, publicUrl: config.publicUrl });
  const stop = async () => {
    logger.info('shutting down');
    await api.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}
