/**
 * What a chart shows, independent of the library that draws it: the report
 * pages and the dashboards describe their charts in this shape, and the
 * table view beside each chart reads the same numbers.
 */
export type ChartUnit = 'money' | 'count' | 'percent' | 'days' | 'hours';

export interface ChartSpec {
  kind: 'bar' | 'line';
  /** The category axis (months, codes, suppliers, reasons), in order. */
  categories: string[];
  /** Labels of the two axes: every chart names what it measures. */
  categoryLabel: string;
  valueLabel: string;
  unit: ChartUnit;
  series: { name: string; values: (number | null)[] }[];
  /** Bars along the value axis from the left: for long names (suppliers, reasons). */
  horizontal?: boolean;
  stacked?: boolean;
}

/** Okabe and Ito's palette: told apart with every common colour-vision deficiency (yellow left out: too faint on white). */
export const chartPalette = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#000000'];

const compact = new Intl.NumberFormat('en-GB', { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** An axis tick: money short (12.5K), percents with their sign. */
export function formatAxisValue(value: number, unit: ChartUnit): string {
  if (unit === 'money') return Math.abs(value) >= 10_000 ? compact.format(value) : whole.format(value);
  if (unit === 'percent') return `${whole.format(value)}%`;
  return whole.format(value);
}

/** A number in the chart's table: money to the cent, as the reports print it. */
export function formatChartValue(value: number | null, unit: ChartUnit): string {
  if (value === null) return '—';
  if (unit === 'money') return money.format(value);
  if (unit === 'percent') return `${whole.format(value)}%`;
  if (unit === 'hours') return `${whole.format(value)} h`;
  if (unit === 'days') return `${whole.format(value)} d`;
  return whole.format(value);
}

/** A decimal string from the API as a chart value: charts may round, tables never do. */
export const chartNumber = (value: string | number | null | undefined): number | null => {
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : null;
};

/** What a screen reader hears for the picture: the table beside it has the numbers. */
export function describeChart(spec: ChartSpec, title: string): string {
  const kind = spec.kind === 'line' ? 'Line chart' : 'Bar chart';
  const series = spec.series.map((series) => series.name).join(', ');
  return `${kind}: ${title}. ${spec.valueLabel} by ${spec.categoryLabel}, ${spec.categories.length} ${spec.categories.length === 1 ? 'entry' : 'entries'}${series ? `; ${series}` : ''}. The numbers are in the table.`;
}

const MONTH = /^\d{4}-\d{2}$/;

/** Year-month keys ('2027-03') as axis labels: 'Mar' when they all fall in one year, else 'Mar 2027'; other categories as they are. */
export function monthCategories(keys: string[]): string[] {
  if (!keys.length || !keys.every((key) => MONTH.test(key))) return keys;
  const oneYear = keys.every((key) => key.slice(0, 4) === keys[0]!.slice(0, 4));
  return keys.map((key) => new Date(`${key}-01T00:00:00Z`).toLocaleString('en-GB', { month: 'short', ...(oneYear ? {} : { year: 'numeric' }), timeZone: 'UTC' }));
}
