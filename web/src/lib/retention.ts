import { parseRetentionPeriod } from '@p2p/domain/record-class-registry';

const part = (count: number, unit: string) => (count === 0 ? '' : `${count} ${unit}${count === 1 ? '' : 's'}`);

/** `P1Y6M` as "1 year 6 months"; a value that is not a period as it is. */
export function describePeriod(value: string): string {
  const period = parseRetentionPeriod(value);
  if (!period) return value;
  const words = [part(period.years, 'year'), part(period.months, 'month'), part(period.days, 'day')].filter(Boolean).join(' ');
  return words || 'no time';
}

/** A record's age from whole days: "8 years 12 days", "40 days" (years of 365 days, as the review counts them roughly). */
export function describeAge(ageDays: number): string {
  const years = Math.floor(ageDays / 365);
  const days = ageDays - years * 365;
  return [part(years, 'year'), part(days, 'day')].filter(Boolean).join(' ') || '0 days';
}

/** The page of a record on this site, for the classes that have one; null for the others (contacts, accounts, audit ranges). */
export function recordHref(recordClass: string, recordId: string): string | null {
  const base = ({ requisition: '/requisitions', purchase_order: '/purchase-orders', invoice: '/invoices' } as Record<string, string>)[recordClass];
  return base ? `${base}/${encodeURIComponent(recordId)}` : null;
}

const listOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []);
const countOf = (value: unknown): number => (typeof value === 'number' ? value : 0);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/**
 * What a disposal did, from its tombstone's `details`, one line each: the
 * fields anonymised, the documents deleted, the process's tasks and mails
 * redacted, an audit range removed with the hash it ended on.
 */
export function describeDisposal(details: Record<string, unknown>): string[] {
  const lines: string[] = [];
  if (details.missing === true) lines.push('The record was already gone');
  const anonymised = listOf(details.anonymised);
  if (anonymised.length) lines.push(`Anonymised: ${anonymised.join(', ')}`);
  const documents = listOf(details.documentsDeleted);
  if (documents.length) lines.push(`Documents deleted: ${documents.join(', ')}`);
  const [tasks, mails] = [countOf(details.tasks), countOf(details.mails)];
  if (tasks || mails) lines.push(`Redacted: ${[tasks && plural(tasks, 'task'), mails && plural(mails, 'mail')].filter(Boolean).join(' and ')}`);
  const range = typeof details.range === 'object' && details.range !== null ? (details.range as Record<string, unknown>) : null;
  if (range) {
    const entries = countOf(range.entries);
    lines.push(`Audit entries ${String(range.firstSeq)}–${String(range.lastSeq)} removed (${entries} ${entries === 1 ? 'entry' : 'entries'})`);
    // The remaining log verifies from this hash on.
    if (typeof range.lastHash === 'string') lines.push(`Final hash ${range.lastHash}`);
  }
  return lines.length ? lines : ['Disposed'];
}
