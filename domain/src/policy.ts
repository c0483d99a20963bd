import { z } from 'zod';
import { parseSla, type ApprovalPolicy } from './approval-rules.ts';
import { compareDecimal, moneyString } from './money.ts';

export * from './approval-rules.ts';

export const isoSlaSchema = z.string().refine((value) => parseSla(value) !== undefined, 'must be an ISO 8601 duration such as P2D or PT4H');

export const approvalPolicySchema = z
  .strictObject({
    procurementManagerAbove: moneyString,
    financeDirectorAbove: moneyString,
    stepSla: isoSlaSchema,
    /** A requisition above this total is refused at submission. */
    maxTotal: moneyString.optional(),
  })
  .superRefine((policy, ctx) => {
    if (compareDecimal(policy.financeDirectorAbove, policy.procurementManagerAbove) < 0) {
      ctx.addIssue({ code: 'custom', path: ['financeDirectorAbove'], message: 'must not be below procurementManagerAbove' });
    }
    if (policy.maxTotal && compareDecimal(policy.maxTotal, policy.financeDirectorAbove) < 0) {
      ctx.addIssue({ code: 'custom', path: ['maxTotal'], message: 'must not be below financeDirectorAbove' });
    }
  }) satisfies z.ZodType<ApprovalPolicy>;

export const defaultApprovalPolicy: Required<ApprovalPolicy> = {
  procurementManagerAbove: '1000.00',
  financeDirectorAbove: '25000.00',
  stepSla: 'P2D',
  maxTotal: '1000000.00',
};

