import { parseRetentionPeriod } from '@p2p/domain/record-class-registry';

const part = (count: number, unit: string) => (count === 0 ? '' : `${count} ${unit}${count === 1 ? '' : 's'}`);

/** `P1Y6M` as "1 year 6 months"; a value that is not a period as it is. */
export function describePeriod(value: string): string {
  const period = parseRetentionPeriod(value);
  if (!period) return value;
  const words = [part(period.years, 'year'), part(period.months, 'month'), part(period.days, 'day')].filter(Boolean).join(' ');
  return words || 'no time';
}
