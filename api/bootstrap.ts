import { startAuditSealer } from '../db/audit-sealer.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { ensureBootstrapAdmin, seedDemoData } from '../db/seed.ts';
import { databaseTarget } from '../db/target.ts';
import { createApp } from './app.ts';
import type { ApiConfig } from './config.ts';
import type { ApiDeps } from './deps.ts';
import type { Logger } from './logger.ts';
import { createRateLimiter } from './middleware/rate-limit.ts';
import { createProcessStarter } from './process-starter.ts';
import { loadWebHandler, startHttpServer, type HttpServer } from './server.ts';
import { hashPassword } from './services/credentials.ts';
import { createDashboardEventBus, createTaskEventBus } from './task-events.ts';
import { createTemporalGateway } from './temporal.ts';
import { resolveSessionSecret } from '../config/secrets.ts';
import { resolvePersonalDataKeys } from '../config/personal-data-keys.ts';
import { createPersonalDataCipher, resealSupplierContacts } from '../db/encryption.ts';

export interface RunningApi {
  http: HttpServer;
  /** True when this start loaded the demo company into an empty database. */
  demoSeeded: boolean;
  deps: ApiDeps;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/**
 * Opens (or reuses) the database, applies migrations, makes sure the first
 * admin and, in dev mode, the demo company exist, then serves API + web.
 */
export async function startApi(
  config: ApiConfig,
  options: { logger: Logger; temporalAddress: string; database?: DatabaseHandle },
): Promise<RunningApi> {
  const database = options.database ?? (await openDatabase(databaseTarget(config)));
  const ownsDatabase = !options.database;
  await database.migrate();
  if (config.BOOTSTRAP_ADMIN_EMAIL && config.BOOTSTRAP_ADMIN_PASSWORD) {
    const { created } = await ensureBootstrapAdmin(database.db, { email: config.BOOTSTRAP_ADMIN_EMAIL, password: config.BOOTSTRAP_ADMIN_PASSWORD }, hashPassword);
    if (created) options.logger.info('bootstrap admin created', { email: config.BOOTSTRAP_ADMIN_EMAIL });
  }
  let demoSeeded = false;
  if (config.demoData) {
    demoSeeded = (await seedDemoData(database.db, hashPassword)).seeded;
    if (demoSeeded) options.logger.info('demo data loaded');
  }
  const keys = resolvePersonalDataKeys(config);
  if (keys.generatedIn) options.logger.warn(`personal data key generated in ${keys.generatedIn} (outside the database; keep it with the data folder). Set PERSONAL_DATA_KEYS in production`);
  const personalData = createPersonalDataCipher(keys.keyring);
  // Migration 0010 cannot know the key: plaintext contact data (from before it, or the demo seed) is sealed here, once.
  const sealed = await resealSupplierContacts(database.db, personalData);
  if (sealed > 0) options.logger.info('supplier contact data sealed under the active key', { suppliers: sealed, keyId: personalData.activeKeyId });
  const temporal = createTemporalGateway({ address: options.temporalAddress, namespace: config.TEMPORAL_NAMESPACE });
  const taskEvents = await createTaskEventBus(database, options.logger);
  const dashboardEvents = await createDashboardEventBus(database, options.logger);
  // Reports read from the replica when there is one: a year of figures does not load the primary.
  const replica = config.DATABASE_READ_URL ? await openDatabase({ kind: 'postgres', url: config.DATABASE_READ_URL }) : undefined;
  const deps: ApiDeps = {
    config,
    db: database.db,
    ...(replica ? { readDb: replica.db } : {}),
    database,
    temporal,
    logger: options.logger,
    rateLimiter: createRateLimiter(),
    taskEvents,
    dashboardEvents,
    actionLinkSecret: resolveSessionSecret(config),
    personalData,
    clock: () => new Date(),
  };
  const processStarter = createProcessStarter(deps);
  const web = await loadWebHandler();
  if (!web) options.logger.warn('web/build is missing: serving the API only (run npm run build:web)');
  const http = await startHttpServer({ app: createApp(deps), port: config.PORT, host: config.HOST, ...(web ? { web } : {}) });
  // Every API and worker process runs one; a round that finds another sealing gives way.
  const stopAuditSealer = startAuditSealer(database.db, { onError: (error) => options.logger.warn('audit sealing failed; retrying', { error }) });
  return {
    http,
    demoSeeded,
    deps,
    database,
    close: async () => {
      await http.close();
      await processStarter.close();
      await taskEvents.close();
      await dashboardEvents.close();
      await temporal.close();
      await stopAuditSealer();
      await replica?.close();
      if (ownsDatabase) await database.close();
    },
  };
}
