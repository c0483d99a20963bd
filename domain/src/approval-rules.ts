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
const isoDurationPattern = /^P(?:(\d{1,3})W)?(?:(\d{1,3})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,5})M)?(?:(\d{1,6})S)?)?$/;

export interface SlaDuration {
  businessDays: number;
  clockMs: number;
}

export function parseSla(value: string): SlaDuration | undefined {
  const match = isoDurationPattern.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) return undefined;
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
