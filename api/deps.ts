import type { Database, DatabaseHandle } from '../db/client.ts';
import type { PersonalDataCipher } from '../db/encryption.ts';
import type { ApiConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { RateLimiter } from './middleware/rate-limit.ts';
import type { DashboardEventBus, TaskEventBus } from './task-events.ts';
import type { TemporalGateway } from './temporal.ts';
import type { ReportPaging } from './services/reports.ts';

/** Everything the API needs from outside, injected once at start (tests inject their own). */
export interface ApiDeps {
  config: ApiConfig;
  db: Database;
  /** Where reports read: the read replica (DATABASE_READ_URL) when one is configured, else `db`. */
  readDb?: Database;
  database: Pick<DatabaseHandle, 'ping' | 'kind'>;
  temporal: TemporalGateway;
  logger: Logger;
  rateLimiter: RateLimiter;
  taskEvents: TaskEventBus;
  /** Record changes a dashboard counts (statement triggers, the spend summary's refresh). */
  dashboardEvents: DashboardEventBus;
  /** Verifies e-mail action links (same secret the worker signs with). */
  actionLinkSecret: string;
  /** Seals and opens supplier contacts' phone and address (keys from PERSONAL_DATA_KEYS). */
  personalData: PersonalDataCipher;
  clock: () => Date;
  /** How the project details report is read page by page (default: pages of 1,000). */
  reportPaging?: ReportPaging;
}
