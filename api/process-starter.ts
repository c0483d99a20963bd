import { readMatchingPolicy } from '../activities/invoices.ts';
import { invoicesAwaitingStart } from '../db/queries/invoicing.ts';
import { findPurchaseOrder } from '../db/queries/purchasing.ts';
import { erasureRequestsAwaitingStart } from '../db/queries/personal-data.ts';
import { listSubmissionsAwaitingStart, readPolicy } from '../db/queries/requisitions.ts';
import type { ApiDeps } from './deps.ts';
import { finishInvoiceWork, startInvoiceProcess } from './services/invoices.ts';
import { erasureApprovalSla, startErasureProcess } from './services/personal-data.ts';
import { startApprovalProcess } from './services/requisitions.ts';

export interface ProcessStarter {
  /** One pass: starts the process of every submission that waited `graceSeconds` without one. Returns how many it started. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The relay behind submit's commit-then-start: a submission is committed
 * before its process starts, so a start that failed (the engine down) or
 * never came (the API killed between the two) is made here, every
 * `intervalMs`, by every API replica (the start is idempotent: one workflow
 * id per requisition, never reused).
 */
export function createProcessStarter(
  deps: Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'logger'>,
  options: { intervalMs?: number; graceSeconds?: number; batch?: number } = {},
): ProcessStarter {
  const { intervalMs = 10_000, graceSeconds = 10, batch = 100 } = options;
  let running: Promise<number> | undefined;

  const pass = async (): Promise<number> => {
    const waiting = await listSubmissionsAwaitingStart(deps.db, { olderThanSeconds: graceSeconds, limit: batch });
    const invoices = await invoicesAwaitingStart(deps.db, { olderThanSeconds: graceSeconds, limit: batch });
    const erasures = await erasureRequestsAwaitingStart(deps.db, { olderThanSeconds: graceSeconds, limit: batch });
    // Credit notes and payment runs an outage cut short are finished, whatever else there is to start.
    let started = await finishInvoiceWork(deps, () => deps.temporal.client(), graceSeconds);
    if (waiting.length === 0 && invoices.length === 0 && erasures.length === 0) return started;
    const client = await deps.temporal.client();
    for (const row of waiting) {
      if ((await startApprovalProcess(client, deps.config.TEMPORAL_TASK_QUEUE, row)) === 'started') started += 1;
    }
    if (invoices.length > 0) {
      // An invoice entered while the engine was away: its match starts under the policy of now.
      const policy = await readMatchingPolicy(deps.db);
      const approvalSla = (await readPolicy<{ stepSla?: string }>(deps.db, 'approval'))?.stepSla ?? 'P2D';
      for (const row of invoices) {
        const order = await findPurchaseOrder(deps.db, row.purchaseOrderId);
        if (order && (await startInvoiceProcess(client, deps.config.TEMPORAL_TASK_QUEUE, row, { policy, approvalSla, purchaseOrderWorkflowId: order.workflowId })) === 'started') started += 1;
      }
    }
    if (erasures.length > 0) {
      const approvalSla = await erasureApprovalSla(deps.db);
      for (const row of erasures) if ((await startErasureProcess(client, deps.config.TEMPORAL_TASK_QUEUE, row, approvalSla)) === 'started') started += 1;
    }
    if (started > 0) deps.logger.info('processes started after their submission or entry', { started });
    return started;
  };

  const sweep = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    sweep().catch((error: unknown) => deps.logger.warn('process starter: pass failed; next one in a moment', { error: String(error) }));
  }, intervalMs);
  timer.unref();

  return {
    sweep,
    close: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
