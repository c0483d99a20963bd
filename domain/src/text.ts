import { z } from 'zod';

/**
 * Strings as the published schema counts and reads them. JSON Schema counts
 * a string's length in characters (code points: an emoji is one) where
 * JavaScript's `.length` counts UTF-16 units (an emoji is two), and another
 * language's regular expressions read `\d`, `\w` and `\s` as Unicode classes.
 * The helpers here check lengths in code points and spell character classes
 * out, so what a client generated from the document sends is what we accept.
 */

/** What String.prototype.trim removes: ECMAScript's white space and line terminators. */
const TRIMMED = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * Text the database cannot store: U+0000 (PostgreSQL text refuses it). The
 * API refuses it in every string it reads (api/openapi.ts), and half a
 * surrogate pair too (it has no UTF-8 form); patterns state the first only,
 * since a JSON Schema string is Unicode text, which has no lone surrogates
 * (and generators refuse a class that names them).
 */
const UNSTORABLE = '\\u0000';
export const STORABLE_TEXT_PATTERN = `^[^${UNSTORABLE}]*$`;

export function codePoints(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

/** A string of `min` to `max` characters, counted as JSON Schema counts them; published as minLength / maxLength. */
export function chars(max: number, min = 0) {
  return z
    .string()
    .check((ctx) => {
      const length = codePoints(ctx.value);
      if (length > max) ctx.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input: ctx.value, message: `at most ${max} characters` });
      if (length < min) ctx.issues.push({ code: 'too_small', origin: 'string', minimum: min, inclusive: true, input: ctx.value, message: `at least ${min} characters` });
    })
    .meta({ maxLength: max, ...(min > 0 ? { minLength: min } : {}) });
}

/**
 * Text a person types (a title, a name, a comment): at most `max` characters
 * as sent, stored trimmed, never blank. The length is checked before the trim
 * and the non-blank rule is a published pattern.
 */
export function text(max: number) {
  return chars(max)
    .trim()
    .min(1, 'must not be blank')
    .meta({ pattern: `^[^${UNSTORABLE}]*[^${TRIMMED}${UNSTORABLE}][^${UNSTORABLE}]*$` });
}

/** Optional text (a search filter, a reason): at most `max` characters as sent, trimmed; blank means none. */
export function trimmedText(max: number) {
  return chars(max).trim();
}

/**
 * An e-mail address as zod checks it, with zod's own pattern published
 * beside the format: "format: email" alone admits addresses (quoted local
 * parts, IP literals) the check refuses.
 */
export function emailAddress() {
  return z.email().max(254).meta({ pattern: z.regexes.email.source });
}
