import { formatDecimal, parseDecimal, PRICE_SCALE } from '@p2p/domain/decimal';
import { PERCENT_SCALE } from '@p2p/domain/purchase-orders';
import { formatMoney } from '../mail/format.ts';

/**
 * Text and numbers as a PDF shows them, formatted by hand from the decimal
 * strings (never through a float), the same bytes on every worker.
 */

/** The Unicode characters WinAnsiEncoding (the built-in Helvetica's) has beyond Latin-1. */
const winAnsiExtras = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
/** Letters with a stroke have no decomposition to strip an accent from. */
const strokeFolds: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŧ: 'T', ŧ: 't' };

/**
 * User text for the built-in fonts: they encode WinAnsi only, and pdfkit
 * would write any other character as a wrong glyph code. Accented letters
 * outside it lose their accent ("ő" -> "o"), anything else becomes "?";
 * control characters become spaces, line breaks stay.
 */
export function pdfText(value: string): string {
  let out = '';
  for (const char of value.replace(/\r\n?/g, '\n')) {
    const code = char.codePointAt(0)!;
    if (char === '\n') out += char;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += ' ';
    else if (code <= 0xff || winAnsiExtras.has(char)) out += char;
    else if (Object.hasOwn(strokeFolds, char)) out += strokeFolds[char];
    else {
      const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
      out += base.length > 0 && [...base].every((c) => c.codePointAt(0)! <= 0xff) ? base : '?';
    }
  }
  return out;
}


/** quantity - cancelled, exactly: what is still ordered. */
export function remainingQuantity(quantity: string, cancelled: string): string {
  return formatDecimal(parseDecimal(quantity, PRICE_SCALE) - parseDecimal(cancelled, PRICE_SCALE), PRICE_SCALE);
}

export function isZero(value: string): boolean {
  return parseDecimal(value, PRICE_SCALE) === 0n;
}

/** A unit price keeps up to 4 decimals but shows at least 2: "12.5000" -> "€12.50", "0.1234" -> "€0.1234". */
export function formatUnitPrice(value: string, currency: string): string {
  return formatMoney(trimZeros(formatDecimal(parseDecimal(value, PRICE_SCALE), PRICE_SCALE), 2), currency);
}

/** "19.5000" -> "19.5%". */
export function formatPercent(value: string): string {
  return `${trimZeros(formatDecimal(parseDecimal(value, PERCENT_SCALE), PERCENT_SCALE), 0)}%`;
}

/** The canonical form of a rate, so "5", "5.0" and "5.0000" group together. */
export function percentKey(value: string): string {
  return formatDecimal(parseDecimal(value, PERCENT_SCALE), PERCENT_SCALE);
}

function trimZeros(decimal: string, keep: number): string {
  const [whole, fraction = ''] = decimal.split('.');
  let digits = fraction.replace(/0+$/, '');
  if (digits.length < keep) digits = digits.padEnd(keep, '0');
  return digits ? `${whole}.${digits}` : whole!;
}
