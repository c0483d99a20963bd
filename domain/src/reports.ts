import { z } from 'zod';
import { calendarDate } from './dates.ts';
import { MONEY_SCALE } from './decimal.ts';
import { decimalString } from './money.ts';
import { withRules } from './rules.ts';
import { trimmedText } from './text.ts';

/**
 * The procurement reports (issue #16): one tabular shape for all of them
 * (sections of columns and rows), so the API, the pages, the charts and the
 * CSV, XLSX and PDF exports read every report the same way. Money is a
 * decimal string, never a float; counts and days are numbers.
 */

export const reportNames = ['spend-by-gl', 'supplier-performance', 'budget-vs-actual', 'approval-bottleneck', 'po-summary', 'project-details', 'ap-health'] as const;
export type ReportName = (typeof reportNames)[number];

export const reportTitles: Record<ReportName, string> = {
  'spend-by-gl': 'Spend by GL / cost code',
  'supplier-performance': 'Supplier performance',
  'budget-vs-actual': 'Budget vs actual by project',
  'approval-bottleneck': 'Approval bottlenecks and cycle times',
  'po-summary': 'Purchase order summary',
  'project-details': 'Project details',
  'ap-health': 'Accounts payable health',
};

export const reportFormats = ['json', 'csv', 'xlsx', 'pdf'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** The longest range one report covers: two years, so a year can be set beside the one before. */
export const MAX_REPORT_RANGE_DAYS = 731;

const DAY_MS = 86_400_000;
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

export const reportQuery = withRules(
  z.object({
    from: calendarDate().optional().describe('First day (inclusive); default: a year before `to`'),
    to: calendarDate().optional().describe('Last day (inclusive); default: today'),
    supplierId: z.uuid().optional(),
    projectId: z.uuid().optional().describe('Required by project-details'),
    department: trimmedText(100).optional().describe('The requesters’ department'),
    glCode: trimmedText(50).optional().describe('GL / cost code of the lines'),
    format: z.enum(reportFormats).optional().describe('json (default), or an export: csv, xlsx, pdf'),
  }),
  (query, ctx) => {
    if (query.from && query.to && query.to < query.from) ctx.addIssue({ code: 'custom', path: ['to'], message: `must not be before from (${query.from})` });
    else if (query.from && query.to && daysBetween(query.from, query.to) >= MAX_REPORT_RANGE_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `a report covers at most ${MAX_REPORT_RANGE_DAYS} days` });
  },
);
export type ReportQuery = z.infer<typeof reportQuery>;

/** The filters a report ran with, resolved (dates filled in), as stamped on its exports. */
export interface ReportFilters {
  from: string;
  to: string;
  supplierId?: string | undefined;
  projectId?: string | undefined;
  department?: string | undefined;
  glCode?: string | undefined;
}

export const reportColumnTypes = ['text', 'money', 'int', 'percent', 'days', 'date'] as const;
export type ReportColumnType = (typeof reportColumnTypes)[number];

export const reportColumnSchema = z.object({ key: z.string(), label: z.string(), type: z.enum(reportColumnTypes) });
export type ReportColumn = z.infer<typeof reportColumnSchema>;

export type ReportCell = string | number | null;
export const reportSectionSchema = z.object({
  key: z.string(),
  title: z.string(),
  columns: z.array(reportColumnSchema),
  rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
  /** Column sums or overall figures, where the section has them. */
  totals: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullable(),
});
export type ReportSection = z.infer<typeof reportSectionSchema>;

export const reportSchema = z.object({
  report: z.enum(reportNames),
  title: z.string(),
  filters: z.object({ from: z.string(), to: z.string(), supplierId: z.string().optional(), projectId: z.string().optional(), department: z.string().optional(), glCode: z.string().optional() }),
  /** Whose spend it shows when not everyone's: a manager sees their reports'. */
  scope: z.string().nullable(),
  generatedAt: z.string(),
  sections: z.array(reportSectionSchema),
});
export type Report = z.infer<typeof reportSchema>;

// ---- budgets ----

export const budgetPeriodKinds = ['month', 'quarter', 'year'] as const;
export type BudgetPeriodKind = (typeof budgetPeriodKinds)[number];

/** A period by its kind and first day: 2027-01 (month), 2027-Q1 (quarter), 2027 (year); years 1900 to 2999. */
export const budgetPeriodPattern = /^(?:19|2[0-9])[0-9]{2}(?:-(?:0[1-9]|1[0-2])|-Q[1-4])?$/;

export function parseBudgetPeriod(period: string): { kind: BudgetPeriodKind; start: string; end: string } | undefined {
  if (!budgetPeriodPattern.test(period)) return undefined;
  const year = Number(period.slice(0, 4));
  const iso = (y: number, m: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;
  const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  if (period.length === 4) return { kind: 'year', start: iso(year, 1), end: lastDay(year, 12) };
  if (period[5] === 'Q') {
    const quarter = Number(period[6]);
    return { kind: 'quarter', start: iso(year, quarter * 3 - 2), end: lastDay(year, quarter * 3) };
  }
  const month = Number(period.slice(5, 7));
  return { kind: 'month', start: iso(year, month), end: lastDay(year, month) };
}

export const putBudgetBody = withRules(
  z.strictObject({
    projectId: z.uuid().nullable().optional().describe('The project; null or absent: company-wide'),
    glCode: trimmedText(50).nullable().optional().describe('GL / cost code; null or absent: every code'),
    period: z.string().regex(budgetPeriodPattern, 'must be a year (2027), a quarter (2027-Q1) or a month (2027-01), years 1900 to 2999'),
    amount: decimalString(MONEY_SCALE, { sign: 'non-negative' }).describe('The budget, exact, in the company currency'),
  }),
  (body, ctx) => {
    if (!body.projectId && !body.glCode) ctx.addIssue({ code: 'custom', path: ['projectId'], message: 'a budget is for a project, a GL code or both' });
  },
);
export type PutBudgetBody = z.infer<typeof putBudgetBody>;

export const budgetSchema = z.object({
  id: z.string(),
  projectId: z.string().nullable(),
  projectName: z.string().nullable(),
  glCode: z.string().nullable(),
  period: z.string(),
  periodKind: z.enum(budgetPeriodKinds),
  periodStart: z.string(),
  periodEnd: z.string(),
  amount: z.string(),
  /** Computed from the records whenever read, never stored: open orders and approved requisitions not yet ordered. */
  committed: z.string(),
  /** Approved and paid invoices, net of credit notes. */
  actual: z.string(),
  remaining: z.string(),
  updatedAt: z.string(),
});
export type Budget = z.infer<typeof budgetSchema>;

export const listBudgetsQuery = z.object({
  projectId: z.uuid().optional(),
  glCode: trimmedText(50).optional(),
  year: z.coerce.number().int().min(2000).max(2999).optional().describe('Budgets whose period lies in this year'),
});

// ---- dashboards ----

export const dashboardRoles = ['requester', 'approver', 'buyer', 'accountant', 'finance_director'] as const;
export type DashboardRole = (typeof dashboardRoles)[number];

export const dashboardTileSchema = z.object({
  key: z.string(),
  label: z.string(),
  /** Money as a decimal string; counts, days and percents as numbers; null when there is nothing to measure. */
  value: z.union([z.string(), z.number(), z.null()]),
  unit: z.enum(['money', 'count', 'hours', 'days', 'percent']),
  /** One line under the figure ("3 overdue", "of 5,000.00 budgeted"). */
  hint: z.string().nullable(),
  /** Where the figure's records are listed (a web path). */
  href: z.string().nullable(),
  tone: z.enum(['neutral', 'good', 'warning', 'bad']),
});
export type DashboardTile = z.infer<typeof dashboardTileSchema>;

export const dashboardChartSchema = z.object({
  key: z.string(),
  title: z.string(),
  kind: z.enum(['bar', 'line']),
  /** The x axis (months, suppliers, reasons, age buckets), in order. */
  categories: z.array(z.string()),
  /** What the y axis counts: money as numbers with two decimals, or counts. */
  unit: z.enum(['money', 'count']),
  series: z.array(z.object({ name: z.string(), values: z.array(z.number()) })),
});
export type DashboardChart = z.infer<typeof dashboardChartSchema>;

/** A list beside the figures: where my requests wait, what waits for me. */
export const dashboardListSchema = z.object({
  key: z.string(),
  title: z.string(),
  items: z.array(z.object({ label: z.string(), detail: z.string(), href: z.string().nullable(), since: z.string().nullable() })),
});

export const dashboardSectionSchema = z.object({
  role: z.enum(dashboardRoles),
  title: z.string(),
  tiles: z.array(dashboardTileSchema),
  charts: z.array(dashboardChartSchema),
  lists: z.array(dashboardListSchema),
  /** The figures are those of a summary refreshed at this instant (spend against budget), not of this moment; null: computed now. */
  asOf: z.string().nullable(),
});
export type DashboardSection = z.infer<typeof dashboardSectionSchema>;

export const dashboardSchema = z.object({
  generatedAt: z.string(),
  /** One section per view the caller has, in this order: requester, approver, buyer, accountant, finance director. */
  sections: z.array(dashboardSectionSchema),
});
export type Dashboard = z.infer<typeof dashboardSchema>;
