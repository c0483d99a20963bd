import type { DashboardChart, DashboardTile } from '@p2p/domain';
import { monthCategories, type ChartSpec } from './charts/spec';
import { formatMoney } from './format';

const number = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });

/** A tile's figure by its unit: money to the cent from its decimal string, hours and days with their unit. */
export function formatTileValue(tile: Pick<DashboardTile, 'value' | 'unit'>): string {
  const { value, unit } = tile;
  if (value === null || value === '') return '—';
  if (unit === 'money') return formatMoney(String(value));
  const figure = typeof value === 'number' ? number.format(value) : value;
  if (unit === 'hours') return `${figure} h`;
  if (unit === 'days') return `${figure} ${value === 1 ? 'day' : 'days'}`;
  if (unit === 'percent') return `${figure}%`;
  return figure;
}

/** What a tile's tone means, for those who do not see its colour. */
export const toneWords = { neutral: null, good: 'on track', warning: 'needs attention', bad: 'needs action' } as const;

/** The category axis of each dashboard chart, named by its key (the API sends none). */
const categoryLabels: Record<string, string> = {
  by_status: 'Status',
  age: 'Time waited',
  open_by_supplier: 'Supplier',
  holds: 'Reason',
  monthly: 'Month'
};

/** A dashboard chart in the charts' shape: axis names from its key and unit, long names as horizontal bars. */
export function dashboardChartSpec(chart: DashboardChart): ChartSpec {
  const longNames = chart.kind === 'bar' && chart.categories.some((category) => category.length > 14);
  return {
    kind: chart.kind,
    categories: monthCategories(chart.categories),
    categoryLabel: categoryLabels[chart.key] ?? 'Category',
    valueLabel: chart.unit === 'money' ? 'Amount' : chart.key === 'age' ? 'Tasks' : 'Count',
    unit: chart.unit,
    series: chart.series,
    horizontal: longNames
  };
}
