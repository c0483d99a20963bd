import type { Report, ReportCell, ReportColumnType, ReportName, ReportSection } from '@p2p/domain';
import { chartNumber, monthCategories, type ChartSpec } from './charts/spec';
import { formatDate, formatMoney } from './format';
import { holdReasonLabel, purchaseOrderStatusLabels } from './labels';

/** What each report answers, for the index and the page header. */
export const reportSummaries: Record<ReportName, string> = {
  'spend-by-gl': 'Budget, committed and actual spend per GL / cost code, with the variance against the budget.',
  'supplier-performance': 'Spend, orders, on-time delivery, rejected and returned quantities, price variance and held invoices per supplier.',
  'budget-vs-actual': 'Each project’s budget against committed and actual spend, month by month, with running totals.',
  'approval-bottleneck': 'How long approval steps waited, by level, role and person; overdue and escalated steps; cycle times.',
  'po-summary': 'Purchase orders by status, supplier and month: value, open value, awaiting receipt, revisions.',
  'project-details': 'Every requisition, order, receipt and invoice of one project, with its amount.',
  'ap-health': 'First-pass match rate, holds by reason, days payable outstanding, discounts taken and missed.'
};

/** The filters a report page keeps in its URL, under the API's names. */
export const reportFilterKeys = ['from', 'to', 'supplierId', 'projectId', 'department', 'glCode'] as const;
export type ReportFilterKey = (typeof reportFilterKeys)[number];
export type ReportFilterValues = Record<ReportFilterKey, string>;

/** Codes the web has words for (hold reasons, order statuses); everything else as the API sent it. */
function words(report: ReportName, column: string, value: string): string {
  if (column === 'reason') return holdReasonLabel(value);
  if (report === 'po-summary' && column === 'status') return purchaseOrderStatusLabels[value as keyof typeof purchaseOrderStatusLabels]?.label ?? value;
  return value;
}

/** A cell as the reports print it: money to the cent from its decimal string, percents and days with their unit. */
export function formatCell(report: ReportName, column: { key: string; type: ReportColumnType }, value: ReportCell | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  switch (column.type) {
    case 'money':
      return formatMoney(String(value));
    case 'percent':
      return `${value}%`;
    case 'int':
      return typeof value === 'number' ? value.toLocaleString('en-GB') : value;
    case 'days':
      return typeof value === 'number' ? value.toLocaleString('en-GB', { maximumFractionDigits: 1 }) : value;
    case 'date':
      return formatDate(String(value));
    default:
      return words(report, column.key, String(value));
  }
}

export const isNumericColumn = (type: ReportColumnType) => type !== 'text' && type !== 'date';

const column = (section: ReportSection, key: string) => section.rows.map((row) => chartNumber(row[key]));

/** The budget-vs-actual rows (project × month) summed over projects per month, running from the first month. */
function budgetOverMonths(section: ReportSection): ChartSpec {
  const months = [...new Set(section.rows.map((row) => String(row.month)))].sort();
  const sums = months.map((month) => {
    const rows = section.rows.filter((row) => row.month === month);
    const sum = (key: string) => rows.reduce((total, row) => total + (chartNumber(row[key]) ?? 0), 0);
    return { budget: sum('budget'), committed: sum('committed'), actual: sum('actual') };
  });
  let budget = 0;
  let spent = 0;
  let actual = 0;
  const running = sums.map((sum) => {
    budget += sum.budget;
    spent += sum.committed + sum.actual;
    actual += sum.actual;
    return { budget: Math.round(budget * 100) / 100, spent: Math.round(spent * 100) / 100, actual: Math.round(actual * 100) / 100 };
  });
  return {
    kind: 'line',
    categories: monthCategories(months),
    categoryLabel: 'Month',
    valueLabel: 'Amount to date',
    unit: 'money',
    series: [
      { name: 'Budget to date', values: running.map((point) => point.budget) },
      { name: 'Committed + actual to date', values: running.map((point) => point.spent) },
      { name: 'Actual to date', values: running.map((point) => point.actual) }
    ]
  };
}

/**
 * The chart of a report section, where a picture says more than the table
 * (which is always shown under it): spend and budgets as bars, months as a
 * line or bars in order, long names as horizontal bars.
 */
export function sectionChart(report: Report, section: ReportSection): { title: string; spec: ChartSpec } | null {
  if (section.rows.length === 0) return null;
  const key = `${report.report}/${section.key}`;
  switch (key) {
    case 'spend-by-gl/spend':
      return {
        title: 'Budget, committed and actual by GL / cost code',
        spec: {
          kind: 'bar',
          categories: section.rows.map((row) => String(row.glCode)),
          categoryLabel: 'GL / cost code',
          valueLabel: 'Amount',
          unit: 'money',
          series: [
            { name: 'Budget', values: column(section, 'budget') },
            { name: 'Committed', values: column(section, 'committed') },
            { name: 'Actual', values: column(section, 'actual') }
          ]
        }
      };
    case 'budget-vs-actual/projects':
      return { title: 'Budget against committed and actual spend, month by month (all projects shown)', spec: budgetOverMonths(section) };
    case 'supplier-performance/suppliers': {
      const top = section.rows.slice(0, 12);
      return {
        title: section.rows.length > top.length ? `Spend by supplier (the ${top.length} largest)` : 'Spend by supplier',
        spec: {
          kind: 'bar',
          horizontal: true,
          categories: top.map((row) => String(row.supplier)),
          categoryLabel: 'Supplier',
          valueLabel: 'Spend (approved and paid invoices)',
          unit: 'money',
          series: [{ name: 'Spend', values: top.map((row) => chartNumber(row.spend) ?? 0) }]
        }
      };
    }
    case 'po-summary/months':
      return {
        title: 'Purchase order value by month issued',
        spec: {
          kind: 'bar',
          categories: monthCategories(section.rows.map((row) => String(row.month))),
          categoryLabel: 'Month issued',
          valueLabel: 'Order value',
          unit: 'money',
          series: [
            { name: 'Value', values: column(section, 'value') },
            { name: 'Open value', values: column(section, 'openValue') }
          ]
        }
      };
    case 'ap-health/holds':
      return {
        title: 'Invoice holds by reason',
        spec: {
          kind: 'bar',
          horizontal: true,
          categories: section.rows.map((row) => holdReasonLabel(String(row.reason))),
          categoryLabel: 'Reason',
          valueLabel: 'Holds',
          unit: 'count',
          series: [
            { name: 'Placed', values: column(section, 'placed') },
            { name: 'Still open', values: column(section, 'open') }
          ]
        }
      };
    case 'approval-bottleneck/levels':
      return {
        title: 'Time approval steps waited, by level',
        spec: {
          kind: 'bar',
          categories: section.rows.map((row) => String(row.level)),
          categoryLabel: 'Approval level',
          valueLabel: 'Hours waited',
          unit: 'hours',
          series: [
            { name: 'p50', values: column(section, 'p50Hours') },
            { name: 'p90', values: column(section, 'p90Hours') }
          ]
        }
      };
    case 'approval-bottleneck/cycle':
      return {
        title: 'Cycle time from submission',
        spec: {
          kind: 'bar',
          horizontal: true,
          categories: section.rows.map((row) => String(row.milestone)),
          categoryLabel: 'From submission to',
          valueLabel: 'Days',
          unit: 'days',
          series: [
            { name: 'p50', values: column(section, 'p50Days') },
            { name: 'p90', values: column(section, 'p90Days') }
          ]
        }
      };
    default:
      return null;
  }
}
