import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

/** Typed keys of the project's search attributes (registered by worker/temporal.ts). */
export const searchKeys = {
  businessKey: defineSearchAttributeKey('BusinessKey', SearchAttributeType.KEYWORD),
  documentNumber: defineSearchAttributeKey('DocumentNumber', SearchAttributeType.KEYWORD),
  processStatus: defineSearchAttributeKey('ProcessStatus', SearchAttributeType.KEYWORD),
  requesterId: defineSearchAttributeKey('RequesterId', SearchAttributeType.KEYWORD),
  supplierId: defineSearchAttributeKey('SupplierId', SearchAttributeType.KEYWORD),
};
