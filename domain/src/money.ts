import { z } from 'zod';
import { MONEY_SCALE, decimalPattern, tryParseDecimal } from './decimal.ts';

export * from './decimal.ts';

/** A decimal string with at most `scale` decimals, optionally strictly positive or not negative. */
export function decimalString(scale: number, options: { positive?: boolean; nonNegative?: boolean } = {}) {
  return z.string().superRefine((value, ctx) => {
    if (!decimalPattern.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a decimal number written as a string, e.g. "12.50"' });
      return;
    }
    const units = tryParseDecimal(value, scale);
    if (units === undefined) ctx.addIssue({ code: 'custom', message: `at most ${scale} decimals` });
    else if (options.positive && units <= 0n) ctx.addIssue({ code: 'custom', message: 'must be greater than zero' });
    else if (options.nonNegative && units < 0n) ctx.addIssue({ code: 'custom', message: 'must not be negative' });
  });
}

export const moneyString = decimalString(MONEY_SCALE);
