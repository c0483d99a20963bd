import { compareDecimal } from './decimal.ts';

/**
 * The approval rules a workflow runs: plain functions and constants without
 * zod, because a workflow's bundle is evaluated again for every run and
 * schema construction would cost each run CPU. The schemas live in policy.ts.
 */

/** What an admin sets; approvalPolicySchema in policy.ts validates it. */
export interface ApprovalPolicy {
  procurementManagerAbove: string;
  financeDirectorAbove: string;
  stepSla: string;
  /** A requisition above this total is refused at submission. */
  maxTotal?: string | undefined;
}

/**
 * ISO 8601 duration for SLAs: days count business days (Mon-Fri), hours,
 * minutes and seconds count clock time. "P2D", "PT4H", "P1DT12H", "PT30S".
 */
const isoDurationPattern = /^P(?:([0-9]{1,3})W)?(?:([0-9]{1,3})D)?(?:T(?:([0-9]{1,4})H)?(?:([0-9]{1,5})M)?(?:([0-9]{1,6})S)?)?$/;

/**
 * The SLAs parseSla accepts, as one pattern for the API schema: weeks, days,
 * then T and hours, minutes, seconds, each at most so many digits without
 * leading zeros, something after P and after T, and not zero in all. Spelled
 * out as one alternative per component that is the non-zero one, without
 * look-ahead, so a client generating values from it never throws any away.
 */
export const slaPattern = ((): RegExp => {
  const units = { W: 3, D: 3, H: 4, M: 5, S: 6 };
  const any = (unit: keyof typeof units) => `(?:(?:0|[1-9][0-9]{0,${units[unit] - 1}})${unit})`;
  const some = (unit: keyof typeof units) => `(?:[1-9][0-9]{0,${units[unit] - 1}}${unit})`;
  const time = `T(?:${any('H')}${any('M')}?${any('S')}?|${any('M')}${any('S')}?|${any('S')})`;
  const alternatives = [
    `${some('W')}${any('D')}?(?:${time})?`,
    `${any('W')}?${some('D')}(?:${time})?`,
    `${any('W')}?${any('D')}?T${some('H')}${any('M')}?${any('S')}?`,
    `${any('W')}?${any('D')}?T${any('H')}?${some('M')}${any('S')}?`,
    `${any('W')}?${any('D')}?T${any('H')}?${any('M')}?${some('S')}`,
  ];
  return new RegExp(`^P(?:${alternatives.join('|')})$`);
})();

export interface SlaDuration {
  businessDays: number;
  clockMs: number;
}

export function parseSla(value: string): SlaDuration | undefined {
  const match = slaPattern.test(value) ? isoDurationPattern.exec(value) : null;
  if (!match) return undefined;
  const [, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  const duration = { businessDays: weeks! * 5 + days!, clockMs: ((hours! * 60 + minutes!) * 60 + seconds!) * 1000 };
  return duration.businessDays + duration.clockMs > 0 ? duration : undefined;
}

const isWeekend = (date: Date) => date.getUTCDay() === 0 || date.getUTCDay() === 6;

/**
 * The moment an SLA started at `start` runs out. Business days skip Saturdays
 * and Sundays (UTC); a start on a weekend counts from the next Monday 00:00.
 * Pure and deterministic, so workflows compute their own deadlines.
 */
export function slaDeadline(start: Date, sla: SlaDuration): Date {
  let at = new Date(start.getTime());
  if (sla.businessDays > 0) {
    while (isWeekend(at)) at = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
    let remaining = sla.businessDays;
    while (remaining > 0) {
      at = new Date(at.getTime() + 86_400_000);
      if (!isWeekend(at)) remaining -= 1;
    }
  }
  return new Date(at.getTime() + sla.clockMs);
}

export const approvalLevels = ['line_manager', 'procurement_manager', 'finance_director'] as const;
export type ApprovalLevel = (typeof approvalLevels)[number];

/** The chain for a total under a policy: line manager; + procurement manager above the first limit; + finance director above the second. */
export function approvalChainFor(total: string, policy: ApprovalPolicy): ApprovalLevel[] {
  const chain: ApprovalLevel[] = ['line_manager'];
  if (compareDecimal(total, policy.procurementManagerAbove) > 0) chain.push('procurement_manager');
  if (compareDecimal(total, policy.financeDirectorAbove) > 0) chain.push('finance_director');
  return chain;
}

export const MAX_ESCALATION_LEVELS = 3;
