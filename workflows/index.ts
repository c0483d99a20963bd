/** The single workflowsPath of the worker: every process type is exported here. */
export { baselineWorkflow } from './baseline.workflow.ts';
export { requisitionWorkflow } from './requisition.workflow.ts';
export { purchaseOrderWorkflow, supplierAssignmentWorkflow } from './purchase-order.workflow.ts';
/**
 * Requisitions submitted before the human-task helper run this type to
 * their end: its code stays as it was so their histories replay. New
 * submissions start requisitionWorkflow. Remove it once no run of it is open
 * (`temporal workflow list -q "WorkflowType='requisitionApprovalWorkflow' AND ExecutionStatus='Running'"`).
 */
export { requisitionApprovalWorkflow } from './requisition-approval.workflow.ts';
export { invoiceWorkflow } from './invoice.workflow.ts';
export { retentionReviewWorkflow } from './retention-review.workflow.ts';
export { personalDataErasureWorkflow } from './personal-data-erasure.workflow.ts';
export { reportSummariesWorkflow } from './report-summaries.workflow.ts';
