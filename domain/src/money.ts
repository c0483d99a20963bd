import { z } from 'zod';
import { MONEY_SCALE, decimalInputPattern, type DecimalSign } from './decimal.ts';

export * from './decimal.ts';

/**
 * A decimal written as a string ("12.50"): at most `digits` digits before the
 * point and `scale` after it, with the sign the field allows. The whole rule
 * is one regular expression, so the OpenAPI document publishes exactly what
 * is enforced (a client generated from it sends nothing this refuses).
 */
export function decimalString(scale: number, options: { digits?: number; sign?: DecimalSign } = {}) {
  const { digits = 15, sign = 'any' } = options;
  const rule = sign === 'positive' ? ', greater than zero' : sign === 'non-negative' ? ', not negative' : '';
  return z.string().regex(decimalInputPattern({ digits, scale, sign }), `must be a decimal number written as a string, e.g. "12.50": at most ${digits} digits before the point and ${scale} after it${rule}`);
}

export const moneyString = decimalString(MONEY_SCALE);
