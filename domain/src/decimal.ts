/**
 * Exact decimal arithmetic for money and quantities, with no dependencies:
 * the browser imports it too (the requisition form totals lines with it).
 */
export const MONEY_SCALE = 2;
export const PRICE_SCALE = 4;

export const decimalPattern = /^-?\d{1,15}(\.\d+)?$/;

export type DecimalSign = 'any' | 'positive' | 'non-negative';

/**
 * What an API field accepts as a decimal: ASCII digits only (a JSON Schema
 * reader in another language may take `\d` for any Unicode digit), no
 * leading zeros, at most `digits` before the point and `scale` after it.
 * "positive" is spelled out without look-ahead (a non-zero whole part, or
 * 0.x with a non-zero digit among the decimals), so a client generating
 * values from the pattern never has to throw any away. Stricter than what
 * parseDecimal reads back from the database, never looser.
 */
export function decimalInputPattern(params: { digits: number; scale: number; sign: DecimalSign }): RegExp {
  const { digits, scale } = params;
  const fraction = `(\\.[0-9]{1,${scale}})?`;
  if (params.sign === 'positive') {
    // The last non-zero decimal at place 1..scale, zeros after it.
    const nonZeroFraction = Array.from({ length: scale }, (_, place) => `[0-9]{${place}}[1-9]0{0,${scale - 1 - place}}`).join('|');
    return new RegExp(`^([1-9][0-9]{0,${digits - 1}}${fraction}|0\\.(${nonZeroFraction}))$`);
  }
  return new RegExp(`^${params.sign === 'any' ? '-?' : ''}(0|[1-9][0-9]{0,${digits - 1}})${fraction}$`);
}

/** Parses a decimal string into a bigint of `scale` fractional digits; refuses more digits than `scale`. */
export function parseDecimal(value: string, scale: number): bigint {
  if (!decimalPattern.test(value)) throw new RangeError(`not a decimal number: ${value}`);
  const negative = value.startsWith('-');
  const [whole, fraction = ''] = (negative ? value.slice(1) : value).split('.');
  if (fraction.length > scale) throw new RangeError(`more than ${scale} decimals: ${value}`);
  const units = BigInt(whole + fraction.padEnd(scale, '0'));
  return negative ? -units : units;
}

/** Formats a bigint of `scale` fractional digits as a decimal string with exactly `scale` decimals. */
export function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** Rescales a bigint between scales, rounding half away from zero when reducing. */
export function rescale(units: bigint, from: number, to: number): bigint {
  if (to >= from) return units * 10n ** BigInt(to - from);
  const divisor = 10n ** BigInt(from - to);
  const half = divisor / 2n;
  const rounded = units < 0n ? -((-units + half) / divisor) : (units + half) / divisor;
  return rounded;
}

/** quantity x unit price, rounded to money (2 decimals). */
export function lineAmount(quantity: string, unitPrice: string): string {
  const product = parseDecimal(quantity, PRICE_SCALE) * parseDecimal(unitPrice, PRICE_SCALE);
  return formatDecimal(rescale(product, PRICE_SCALE * 2, MONEY_SCALE), MONEY_SCALE);
}

export function sumMoney(amounts: readonly string[]): string {
  return formatDecimal(
    amounts.reduce((total, amount) => total + parseDecimal(amount, MONEY_SCALE), 0n),
    MONEY_SCALE,
  );
}

export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const x = parseDecimal(a, PRICE_SCALE * 2);
  const y = parseDecimal(b, PRICE_SCALE * 2);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Parses when the value is a decimal within `scale`; undefined otherwise (never throws). */
export function tryParseDecimal(value: string, scale: number): bigint | undefined {
  try {
    return parseDecimal(value, scale);
  } catch {
    return undefined;
  }
}

