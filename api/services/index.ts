import type { ApiDeps } from '../deps.ts';
import { createActionLinkService } from './action-links.ts';
import { createAuthService } from './auth.ts';
import { createInvoiceService } from './invoices.ts';
import { createPersonalDataService } from './personal-data.ts';
import { createPolicyService } from './policies.ts';
import { createProcessHistoryService } from './process-history.ts';
import { createPurchaseOrderService } from './purchase-orders.ts';
import { createDashboardService } from './dashboard.ts';
import { createReportService } from './reports.ts';
import { createRequisitionService } from './requisitions.ts';
import { createRetentionService } from './retention.ts';
import { createSupplierService } from './suppliers.ts';
import { createTaskService } from './tasks.ts';
import { createUserService } from './users.ts';

export type Services = ReturnType<typeof createServices>;

export function createServices(deps: ApiDeps) {
  const requisitions = createRequisitionService(deps);
  const retention = createRetentionService(deps);
  const tasks = createTaskService(deps, { retention_review: (row, data) => retention.checkReviewDecisions(row, data) });
  return {
    auth: createAuthService(deps),
    users: createUserService(deps),
    suppliers: createSupplierService(deps),
    requisitions,
    policies: createPolicyService(deps, requisitions),
    tasks,
    actionLinks: createActionLinkService(deps, tasks),
    processHistory: createProcessHistoryService(deps),
    purchaseOrders: createPurchaseOrderService(deps),
    invoices: createInvoiceService(deps),
    retention,
    reports: createReportService(deps),
    dashboard: createDashboardService(deps),
    personalData: createPersonalDataService(deps),
  };
}
