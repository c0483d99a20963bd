import { Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Database } from '../db/client.ts';
import type { Logger } from '../api/logger.ts';
import type { WorkerConfig } from './config.ts';
import { resolveSessionSecret } from '../config/secrets.ts';
import { resolvePersonalDataKeys } from '../config/personal-data-keys.ts';
import { companyProfileFromEnv } from '../activities/documents/company.ts';
import { createActivityDeps } from './activity-deps.ts';
import { installTemporalRuntime } from './runtime.ts';
import { ensureReportSummariesSchedule, ensureRetentionReviewSchedule, REPORT_SUMMARIES_SCHEDULE_ID, RETENTION_REVIEW_SCHEDULE_ID } from './schedules.ts';
import { ensureSearchAttributes } from './temporal.ts';
import { createWorker } from './worker.ts';

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker stops (after shutdown or on a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** Connects to Temporal, makes sure the search attributes exist, and runs the worker until shutdown. */
export async function startWorker(
  config: WorkerConfig,
  options: { db: Database; temporalAddress: string; logger: Logger; /** Used when PUBLIC_URL is unset (dev: the API's own URL). */ publicUrl: string },
): Promise<RunningWorker> {
  installTemporalRuntime(config.LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN');
  const client = await Connection.connect({ address: options.temporalAddress });
  try {
    await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
    const schedule = await ensureRetentionReviewSchedule(client, config.TEMPORAL_NAMESPACE, { taskQueue: config.TEMPORAL_TASK_QUEUE, timeZone: config.COMPANY_TIME_ZONE });
    options.logger.info(`retention review schedule ${schedule}`, { scheduleId: RETENTION_REVIEW_SCHEDULE_ID, timeZone: config.COMPANY_TIME_ZONE });
    const summaries = await ensureReportSummariesSchedule(client, config.TEMPORAL_NAMESPACE, { taskQueue: config.TEMPORAL_TASK_QUEUE, everySeconds: config.REPORT_SUMMARY_REFRESH_SECONDS });
    options.logger.info(`report summaries schedule ${summaries}`, { scheduleId: REPORT_SUMMARIES_SCHEDULE_ID, everySeconds: config.REPORT_SUMMARY_REFRESH_SECONDS });
  } finally {
    await client.close();
  }
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: createActivityDeps({ db: options.db, smtpUrl: config.SMTP_URL, mailFrom: config.MAIL_FROM, secret: resolveSessionSecret(config), publicUrl: config.PUBLIC_URL ?? options.publicUrl, company: companyProfileFromEnv(config), personalDataKeys: resolvePersonalDataKeys(config).keyring }),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  });
  const done = worker.run().finally(() => connection.close());
  options.logger.info('worker running', { taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE });
  return {
    worker,
    done,
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
