/**
 * Formatting for e-mails, by hand rather than Intl: the same input renders
 * the same bytes on every worker, whatever its locale or ICU data, and money
 * never passes through a float.
 */
const currencySymbols: Record<string, string> = { EUR: '€', USD: '$', GBP: '£' };

/** "12345.5", "EUR" -> "€12,345.50"; "12345.5", "CHF" -> "CHF 12,345.50"; no currency -> "12,345.50". */
export function formatMoney(amount: string, currency?: string | null): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${amount}`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const digits = `${grouped}.${fraction.padEnd(2, '0')}`;
  if (!currency) return `${sign}${digits}`;
  const code = currency.toUpperCase();
  const symbol = currencySymbols[code];
  return symbol ? `${sign}${symbol}${digits}` : `${sign}${code} ${digits}`;
}

/** A quantity shows the decimals it has, no more: "1234.5000" -> "1,234.5", "10.0000" -> "10". */
export function formatQuantity(value: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new RangeError(`not a decimal quantity: ${value}`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const digits = fraction.replace(/0+$/, '');
  return `${sign}${grouped}${digits ? `.${digits}` : ''}`;
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An ISO 8601 instant -> "Tue 24 Nov 2026, 14:00 UTC". Always UTC: the mail
 * cannot know the reader's zone. A day without a time ("2026-12-15", a due
 * date on a record) is a calendar day, not an instant: "Tue 15 Dec 2026".
 */
export function formatMailDate(value: string | Date): string {
  const dayOnly = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${String(value)}`);
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${weekdays[date.getUTCDay()]} ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  return dayOnly ? day : `${day}, ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}
