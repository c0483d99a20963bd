import type { Database } from '../db/client.ts';

/** What activities may touch: narrowed, injected, so tests give them real parts on a test database. */
export interface ActivityDeps {
  db: Database;
  clock: () => Date;
}

/**
 * Side effects only: database writes, mail, PDFs. Each one is idempotent,
 * keyed by workflow id + step, because Temporal retries activities.
 * Process issues add their activities here.
 */
export function createActivities(deps: ActivityDeps) {
  void deps;
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
