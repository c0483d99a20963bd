/** UTC, so the server-rendered text and the hydrated text agree. */
const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short'
});

export function formatDate(iso: string | null | undefined): string {
  return iso ? dateFormat.format(new Date(iso)) : '—';
}

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTimeFormat.format(new Date(iso)) : '—';
}

/**
 * A decimal string as money: "12345.5" -> "12,345.50". By hand, never through
 * a float, so what is shown is exactly what the API computed.
 */
export function formatMoney(amount: string | null | undefined): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount?.trim() ?? '');
  if (!match) return amount ?? '—';
  const [, sign = '', whole = '0', fraction = ''] = match;
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}.${fraction.padEnd(2, '0')}`;
}

/** A quantity without trailing zeros: "12.5000" -> "12.5". */
export function formatQuantity(quantity: string): string {
  return quantity.includes('.') ? quantity.replace(/\.?0+$/, '') : quantity;
}

/** A unit price: cents always, further decimals only when they matter ("0.1200" -> "0.12", "0.1250" -> "0.125"). */
export function formatUnitPrice(price: string): string {
  const [whole = '', fraction = ''] = price.split('.');
  const significant = fraction.replace(/0+$/, '');
  return formatMoney(`${whole}.${significant.padEnd(2, '0')}`);
}

const shortDateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short'
});

/** "22 Nov, 13:15 UTC": for deadlines close enough that the hour matters and the year does not. */
export function formatShortDateTime(iso: string | null | undefined): string {
  return iso ? shortDateTimeFormat.format(new Date(iso)) : '—';
}

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

/** "13:15:42": to the second, for audit timelines, where order within a minute matters. UTC like the rest. */
export function formatTime(iso: string | null | undefined): string {
  return iso ? timeFormat.format(new Date(iso)) : '—';
}

/** "2026-11-22 13:15:42 UTC": unambiguous, for printouts and evidence. */
export function formatTimestamp(iso: string | null | undefined): string {
  return iso ? `${new Date(iso).toISOString().slice(0, 10)} ${formatTime(iso)} UTC` : '—';
}
