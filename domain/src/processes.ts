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
