import type { Database } from '../db/client.ts';
import type { ActionLinkPort, MailPort } from './ports.ts';
import { createRequisitionActivities } from './requisition-approval.ts';

/** What activities may touch: narrowed, injected, so tests give them real parts on a test database. */
export interface ActivityDeps {
  db: Database;
  clock: () => Date;
  mail: MailPort;
  links: ActionLinkPort;
  publicUrl: string;
}

/**
 * Side effects only: database writes, mail, PDFs. Each one is idempotent,
 * keyed by workflow id + step, because Temporal retries activities.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createRequisitionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
