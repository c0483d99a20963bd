/**
 * Names the engine and the API share: task queue, workflow types, search
 * attributes. Workflow ids are derived from business ids so a process can be
 * found (and started at most once) by the record it belongs to.
 */
export const TASK_QUEUE = 'procurement';

export const workflowTypes = {
  /** An empty process used by the harness and the throughput baseline. */
  baseline: 'baselineWorkflow',
  requisitionApproval: 'requisitionApprovalWorkflow',
} as const;

/** Search attributes registered on the Temporal namespace (all Keyword). */
export const searchAttributeNames = [
  'BusinessKey',
  'DocumentNumber',
  'ProcessStatus',
  'RequesterId',
  'SupplierId',
] as const;

export type SearchAttributeName = (typeof searchAttributeNames)[number];

/** One approval process per requisition: the id is derived, so a retried submit cannot start a second one. */
export const requisitionWorkflowId = (requisitionId: string) => `requisition-${requisitionId}`;
