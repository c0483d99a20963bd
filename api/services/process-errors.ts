import { WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decisionFailures } from '../../workflows/requisition-approval.workflow.ts';
import { AppError, type ErrorKind } from '../errors.ts';

const kindOf: Record<string, ErrorKind> = {
  [decisionFailures.notOpen]: 'conflict',
  [decisionFailures.notAllowed]: 'forbidden',
  [decisionFailures.segregation]: 'forbidden',
  [decisionFailures.invalid]: 'validation',
};

/**
 * A refused Update (its validator said no, so nothing was written) becomes
 * the matching 4xx; a process that has already ended is a 409.
 */
export function toProcessError(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure && cause.type && kindOf[cause.type]) {
      return new AppError(kindOf[cause.type]!, cause.message, cause.type === decisionFailures.invalid ? { errors: [{ path: cause.message.includes('comment') ? 'comment' : 'action', message: cause.message }] } : {});
    }
    return new AppError('conflict', cause?.message ?? 'The process refused this action');
  }
  if (error instanceof WorkflowNotFoundError) return new AppError('conflict', 'The process has already ended');
  return error;
}
