import { describe, expect, it } from 'vitest';
import { approvalChainFor, defaultApprovalPolicy, formatDecimal, lineAmount, parseDecimal, parseSla, requisitionTotal, slaDeadline, sumMoney } from '@p2p/domain';

describe('money is exact', () => {
  it('multiplies and sums without floating point', () => {
    expect(lineAmount('3', '0.1')).toBe('0.30');
    expect(lineAmount('0.3333', '3.0000')).toBe('1.00');
    expect(lineAmount('7', '19.9999')).toBe('140.00');
    expect(lineAmount('12345678.1234', '987.6543')).toBe('12193262084.99'); // checked with Python's Decimal
    expect(sumMoney(['0.10', '0.20'])).toBe('0.30');
    expect(requisitionTotal([{ quantity: '40', unitPrice: '7.90' }, { quantity: '20', unitPrice: '7.90' }])).toBe('474.00');
  });

  it('rounds half away from zero to cents, per line', () => {
    expect(lineAmount('1', '0.005')).toBe('0.01');
    expect(lineAmount('1', '0.0049')).toBe('0.00');
    expect(lineAmount('3', '0.0050')).toBe('0.02');
  });

  it('parses and formats decimal strings, refusing more decimals than the scale', () => {
    expect(parseDecimal('12.5', 2)).toBe(1250n);
    expect(formatDecimal(-5n, 2)).toBe('-0.05');
    expect(() => parseDecimal('1.234', 2)).toThrow(RangeError);
    expect(() => parseDecimal('1e3', 2)).toThrow(RangeError);
  });
});

describe('approval policy', () => {
  it.each([
    ['500.00', ['line_manager']],
    ['1000.00', ['line_manager']],
    ['1000.01', ['line_manager', 'procurement_manager']],
    ['25000.00', ['line_manager', 'procurement_manager']],
    ['25000.01', ['line_manager', 'procurement_manager', 'finance_director']],
  ])('a total of %s needs %j', (total, chain) => {
    expect(approvalChainFor(total, defaultApprovalPolicy)).toEqual(chain);
  });

  it('counts SLA days as business days and hours as clock time', () => {
    expect(parseSla('P2D')).toEqual({ businessDays: 2, clockMs: 0 });
    expect(parseSla('PT4H30M')).toEqual({ businessDays: 0, clockMs: 16_200_000 });
    expect(parseSla('P1W')).toEqual({ businessDays: 5, clockMs: 0 });
    expect(parseSla('P')).toBeUndefined();
    expect(parseSla('2 days')).toBeUndefined();
    expect(parseSla('P0D')).toBeUndefined();
    // Thursday 10:00 + 2 business days = Monday 10:00.
    expect(slaDeadline(new Date('2026-11-26T10:00:00Z'), { businessDays: 2, clockMs: 0 }).toISOString()).toBe('2026-11-30T10:00:00.000Z');
    // Saturday counts from Monday 00:00.
    expect(slaDeadline(new Date('2026-11-28T15:00:00Z'), { businessDays: 1, clockMs: 0 }).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(slaDeadline(new Date('2026-11-28T15:00:00Z'), { businessDays: 0, clockMs: 3_600_000 }).toISOString()).toBe('2026-11-28T16:00:00.000Z');
  });
});
