import { WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { taskFailures } from '../../workflows/human-task.ts';
import { AppError, type ErrorKind } from '../errors.ts';

const kindOf: Record<string, ErrorKind> = {
  [taskFailures.notOpen]: 'conflict',
  [taskFailures.notAllowed]: 'forbidden',
  [taskFailures.segregation]: 'forbidden',
  [taskFailures.invalid]: 'unprocessable',
};

/** Which field a refused decision names: the comment, the form data, or the action itself. */
const fieldOf = (message: string) => (message.includes('comment') ? 'comment' : message.includes('data') ? 'data' : 'action');

/**
 * A refused Update (its validator said no, so nothing was written) becomes
 * the matching 4xx; a process that has already ended is a 409. Every
 * process's Updates fail with the human-task helper's failure types.
 */
export function toProcessError(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure && cause.type && kindOf[cause.type]) {
      return new AppError(kindOf[cause.type]!, cause.message, cause.type === taskFailures.invalid ? { errors: [{ path: fieldOf(cause.message), message: cause.message }] } : {});
    }
    return new AppError('conflict', cause?.message ?? 'The process refused this action');
  }
  if (error instanceof WorkflowNotFoundError) return new AppError('conflict', 'The process has already ended');
  return error;
}
