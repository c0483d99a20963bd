import type { Role } from './roles.ts';

/**
 * The record-class registry for retention (SPEC 4.4): every kind of record
 * the company keeps and later disposes of, whichever process makes it. The
 * policies, the legal holds, the review selection and the pages read it;
 * nothing else lists the classes. Zod-free like task-kinds.ts, so workflows
 * and the browser may import it.
 *
 * A process plugs its class in with `defineRecordClasses` in a module of its
 * own (see retention-record-classes.ts) imported by record-class-registry.ts,
 * and tells the database layer how to find its records and date them
 * (db/queries/retention.ts).
 */

/** The event a retention period counts from. */
export const retentionEvents = ['closing', 'last_activity', 'deactivation', 'creation'] as const;
export type RetentionEvent = (typeof retentionEvents)[number];

export const retentionEventLabels: Record<RetentionEvent, string> = {
  closing: 'after closing',
  last_activity: 'after the last activity',
  deactivation: 'after deactivation',
  creation: 'after creation',
};

/** A class's name, e.g. `invoice`; the registry knows which exist. */
export type RecordClass = string;

/** Class names: lower snake case, short, safe in URLs, ids and SQL. */
export const recordClassNamePattern = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * A retention period: an ISO 8601 duration in whole years, months and days
 * (`P10Y`, `P18M`, `P1Y6M`, `P90D`), not zero. Hours and weeks are left out
 * on purpose: retention is kept in calendar terms, and the database adds the
 * period to a date as an interval of exactly these parts.
 */
export const retentionPeriodPattern = /^P(?:[0-9]{1,3}Y(?:[0-9]{1,4}M)?(?:[0-9]{1,5}D)?|[0-9]{1,4}M(?:[0-9]{1,5}D)?|[0-9]{1,5}D)$/;
/** Reads the parts of a value the pattern above accepted (no lookahead there, so every JSON Schema engine reads it alike). */
const periodParts = /^P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?$/;

export interface RetentionPeriod {
  years: number;
  months: number;
  days: number;
}

/** The parts of a period; `P0Y` reads as zero (below every minimum). */
export function parseRetentionPeriod(value: string): RetentionPeriod | undefined {
  const match = retentionPeriodPattern.test(value) ? periodParts.exec(value) : null;
  if (!match) return undefined;
  return { years: Number(match[1] ?? 0), months: Number(match[2] ?? 0), days: Number(match[3] ?? 0) };
}

/**
 * Whether `period` ends no earlier than `minimum` whatever the date it counts
 * from. Months vary (28 to 31 days), so a period with fewer months than the
 * minimum must make up each missing month with 31 days, and one with more
 * months may give back at most 28 days for each extra month. Conservative on
 * purpose: P364D is not at least P1Y, P12M is exactly P1Y.
 */
export function periodAtLeast(period: RetentionPeriod, minimum: RetentionPeriod): boolean {
  const monthsOf = (p: RetentionPeriod) => p.years * 12 + p.months;
  const extraMonths = monthsOf(period) - monthsOf(minimum);
  const extraDays = period.days - minimum.days;
  if (extraMonths >= 0) return extraDays + extraMonths * 28 >= 0;
  return extraDays >= -extraMonths * 31;
}

const isZeroPeriod = (p: RetentionPeriod) => p.years + p.months + p.days === 0;

export interface RecordClassDef {
  recordClass: RecordClass;
  /** What the pages call it: "Invoice". */
  label: string;
  /** Plural for lists: "Invoices". */
  plural: string;
  /** Record type as in CASL subjects and the audit log (`Invoice`), so audit entries about a record are found. */
  subjectType: string;
  /** The event the period counts from; fixed per class, because the legal minimum counts from it too. */
  countsFrom: RetentionEvent;
  /** ISO 8601 period (years, months, days): the policy until an admin changes it. */
  defaultPeriod: string;
  /** No policy may go below this (ISO 8601 period); the source of the figure is said where the class is defined. */
  legalMinimum: string;
  /** What "still running" means for this class (such records are never selected for review); null when nothing of it runs. */
  runningWhen: string | null;
  /** How the class is taken up for review, where that is not record by record. */
  reviewNote?: string;
  /**
   * A second review stage: a disposal the records manager decided waits for a
   * holder of this role (someone else) to confirm it, as regulated companies
   * ask for records whose loss cannot be undone by anyone.
   */
  secondStage?: Role;
}

const classes = new Map<RecordClass, RecordClassDef>();

/** Registers classes; a bad name, an unreadable period or a default below the minimum is a programming error. */
export function defineRecordClasses<const T extends readonly RecordClassDef[]>(defs: T): T {
  for (const def of defs) {
    if (!recordClassNamePattern.test(def.recordClass)) throw new Error(`record class name "${def.recordClass}" is not lower snake case`);
    const period = parseRetentionPeriod(def.defaultPeriod);
    const minimum = parseRetentionPeriod(def.legalMinimum);
    if (!period || !minimum || isZeroPeriod(minimum)) throw new Error(`record class ${def.recordClass}: periods must be non-zero ISO 8601 years, months, days`);
    if (!periodAtLeast(period, minimum)) throw new Error(`record class ${def.recordClass}: the default ${def.defaultPeriod} is below the legal minimum ${def.legalMinimum}`);
    const existing = classes.get(def.recordClass);
    if (existing && existing.subjectType !== def.subjectType) throw new Error(`record class ${def.recordClass} is already defined for ${existing.subjectType}`);
    classes.set(def.recordClass, def);
  }
  return defs;
}

export function recordClassDef(recordClass: RecordClass): RecordClassDef | undefined {
  return classes.get(recordClass);
}

export function registeredRecordClasses(): RecordClassDef[] {
  return [...classes.values()];
}
