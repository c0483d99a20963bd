/** The single workflowsPath of the worker: every process type is exported here. */
export { baselineWorkflow } from './baseline.workflow.ts';
export { requisitionApprovalWorkflow } from './requisition-approval.workflow.ts';
