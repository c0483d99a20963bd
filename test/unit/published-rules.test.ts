import { STORABLE_TEXT_PATTERN, approvalPolicySchema, calendarDate, chars, decimalString, emailAddress, instant, isoSlaSchema, passwordSchema, text, trimmedText } from '@p2p/domain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * The shared string schemas publish the rule they enforce: for every sample,
 * the JSON Schema a client reads (pattern as ECMA-262 with code points, and
 * lengths in code points, as JSON Schema counts them) and the API's
 * validation (zod, then the hook's refusal of text the database cannot
 * store, which the document adds as a pattern where none says it) agree. A
 * disagreement is a request a generated client sends and we refuse, or one it
 * is told is wrong and we take.
 */
type StringRule = { type?: string; pattern?: string; format?: string; minLength?: number; maxLength?: number };

/** Unicode text: no half of a surrogate pair on its own. */
const wellFormed = (value: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
/** The API hook's rule: no U+0000, no lone surrogate. */
const storable = (value: string) => !value.includes('\u0000') && wellFormed(value);
const enforcedAccepts = (schema: z.ZodType, value: string) => schema.safeParse(value).success && storable(value);

function publishedAccepts(schema: z.ZodType, value: string): boolean {
  // A JSON Schema string is Unicode text: a lone surrogate is none.
  if (!wellFormed(value)) return false;
  const rule = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as StringRule;
  rule.pattern ??= rule.format === undefined ? STORABLE_TEXT_PATTERN : undefined;
  if (rule.format === 'date' && !isCalendarDay(value)) return false;
  if (rule.format === 'date-time' && !isRfc3339Instant(value)) return false;
  const length = [...value].length;
  if (rule.minLength !== undefined && length < rule.minLength) return false;
  if (rule.maxLength !== undefined && length > rule.maxLength) return false;
  return rule.pattern === undefined || new RegExp(rule.pattern, 'u').test(value);
}

/** RFC 3339's full-date and date-time, as a JSON Schema validator checks the formats (upper-case T and Z). */
function isCalendarDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
function isRfc3339Instant(value: string): boolean {
  const match = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/.exec(value);
  return Boolean(match && isCalendarDay(match[1]!));
}

const emoji = '😀';
const hostile = ['', ' ', '\u00a0', '\ufeff', '\u001c', 'x', ' x ', '\u0000', 'a\u0000b', '٣', '１', '\ud800', emoji, 'é', '\t\n'];

const cases: [string, z.ZodType, string[]][] = [
  ['a positive quantity (7 digits, 4 decimals)', decimalString(4, { digits: 7, sign: 'positive' }), ['1', '0', '0.0', '0.0001', '0.00001', '9999999.9999', '10000000', '01', '1.', '.5', '-1', '٣', '1e3', ' 1', '0.1000', ...hostile]],
  ['a non-negative price', decimalString(4, { digits: 7, sign: 'non-negative' }), ['0', '0.00', '12.5', '-0.5', '007', '1.23456', ...hostile]],
  ['money with a sign', decimalString(2, { sign: 'any' }), ['-0', '-12.50', '1000.00', '100.123', '999999999999999.99', '1000000000000000', ...hostile]],
  ['an SLA', isoSlaSchema, ['P2D', 'PT4H', 'P1DT12H', 'PT30S', 'P1W', 'P', 'PT', 'P0D', 'PT0S', 'P1DT', 'P02D', 'P1000D', 'PT0H0M1S', 'p2d', 'P2D ', ...hostile]],
  ['a title (200, trimmed, not blank)', text(200), ['Paper', `${'x'.repeat(200)}`, `${'x'.repeat(201)}`, emoji.repeat(200), emoji.repeat(201), ` ${'x'.repeat(199)}`, ...hostile]],
  ['a search filter (100, trimmed)', trimmedText(100), ['%', '_', `${' '.repeat(150)}`, emoji.repeat(100), emoji.repeat(101), ...hostile]],
  ['a short name (up to 3)', chars(3, 1), [emoji.repeat(3), emoji.repeat(4), 'abc', 'abcd', ...hostile]],
  ['a password (12 to 200)', passwordSchema, [emoji.repeat(6), emoji.repeat(12), 'a-long-password-1', 'x'.repeat(201), ...hostile]],
  ['a calendar date', calendarDate(), ['2026-12-02', '0000-01-01', '0001-01-01', '9998-12-31', '9999-01-01', '2026-02-30', '2026-13-01', '26-12-02', ...hostile]],
  ['an instant', instant(), ['2026-12-02T08:00:00Z', '2026-12-02T08:00:00.123+01:00', '0001-01-01T00:00:00Z', '0002-01-01T00:00:00+14:00', '9998-12-31T23:59:59-12:00', '9999-01-01T00:00:00Z', '2026-12-02 08:00:00Z', '2026-12-02T08:00:00', ...hostile]],
  ['an e-mail address', emailAddress(), ['a@example.com', 'a.b+c@sub.example.co', '"quoted"@example.com', 'a@[127.0.0.1]', 'a@b', 'a..b@example.com', '.a@example.com', 'ü@example.com', ...hostile]],
];

describe('published string rules agree with validation', () => {
  it.each(cases)('%s', (_name, schema, samples) => {
    const disagreements = samples.filter((sample) => publishedAccepts(schema, sample) !== enforcedAccepts(schema, sample)).map((sample) => JSON.stringify(sample));
    expect(disagreements).toEqual([]);
  });

  it('a policy of empty strings is refused field by field, without running the rule that compares thresholds', () => {
    const result = approvalPolicySchema.safeParse({ procurementManagerAbove: '', financeDirectorAbove: '', stepSla: '' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => [issue.path.join('.'), issue.code])).toEqual([
      ['procurementManagerAbove', 'invalid_format'],
      ['financeDirectorAbove', 'invalid_format'],
      ['stepSla', 'invalid_format'],
    ]);
  });

  it('a rule across fields runs once the fields are valid, as a custom issue (answered 422)', () => {
    const result = approvalPolicySchema.safeParse({ procurementManagerAbove: '5000.00', financeDirectorAbove: '100.00', stepSla: 'P2D' });
    expect(result.error!.issues.map((issue) => [issue.path.join('.'), issue.code])).toEqual([['financeDirectorAbove', 'custom']]);
  });
});
