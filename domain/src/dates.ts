import { z } from 'zod';

/**
 * Dates and instants as the database can store them. PostgreSQL refuses the
 * year 0000 that ISO 8601 (and zod) allow, and a JavaScript Date past 9999
 * writes a six-digit year it cannot read: an instant's offset, or a day added
 * to a date, must not carry a value across either edge. The year range is
 * published as a pattern beside the format (a regex check would make the
 * OpenAPI generator drop the format), and checked as a format issue (400).
 */
const years = (first: string) => `^(?:${first}|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-`;

function withYears<T extends z.ZodString | z.ZodISODate | z.ZodISODateTime>(schema: T, pattern: string, range: string): T {
  const rule = new RegExp(pattern);
  return schema
    .check((ctx) => {
      if (!rule.test(ctx.value)) ctx.issues.push({ code: 'invalid_format', format: 'regex', pattern, input: ctx.value, message: `a year from ${range}` });
    })
    .meta({ pattern }) as T;
}

/** A calendar day, years 0001 to 9998 (the day after it still fits). */
export function calendarDate() {
  return withYears(z.iso.date(), years('000[1-9]'), '0001 to 9998');
}

/** An instant with its UTC offset, years 0002 to 9998 (any offset keeps it within 0001 to 9999). */
export function instant() {
  return withYears(z.iso.datetime({ offset: true }), years('000[2-9]'), '0002 to 9998');
}
