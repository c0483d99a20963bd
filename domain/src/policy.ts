import { z } from 'zod';
import { slaPattern, type ApprovalPolicy } from './approval-rules.ts';
import { MONEY_SCALE, compareDecimal, decimalString } from './money.ts';
import { withRules } from './rules.ts';

export * from './approval-rules.ts';

/** The pattern is the whole rule (parseSla reads what it matches), so the document states all of it. */
export const isoSlaSchema = z.string().regex(slaPattern, 'must be a non-zero ISO 8601 duration such as P2D, PT4H or P1DT12H (weeks, days, hours, minutes, seconds)');

/** A threshold on requisition totals: money, not negative. */
const threshold = decimalString(MONEY_SCALE, { sign: 'non-negative' });

export const approvalPolicySchema = withRules(
  z.strictObject({
    procurementManagerAbove: threshold,
    financeDirectorAbove: threshold,
    stepSla: isoSlaSchema,
    /** A requisition above this total is refused at submission. */
    maxTotal: threshold.optional(),
  }),
  (policy, ctx) => {
    if (compareDecimal(policy.financeDirectorAbove, policy.procurementManagerAbove) < 0) {
      ctx.addIssue({ code: 'custom', path: ['financeDirectorAbove'], message: 'must not be below procurementManagerAbove' });
    }
    if (policy.maxTotal && compareDecimal(policy.maxTotal, policy.financeDirectorAbove) < 0) {
      ctx.addIssue({ code: 'custom', path: ['maxTotal'], message: 'must not be below financeDirectorAbove' });
    }
  },
) satisfies z.ZodType<ApprovalPolicy>;

export const defaultApprovalPolicy: Required<ApprovalPolicy> = {
  procurementManagerAbove: '1000.00',
  financeDirectorAbove: '25000.00',
  stepSla: 'P2D',
  maxTotal: '1000000.00',
};

