import type { Problem } from '@p2p/domain';

/** The form field a problem path names. Paths may be `email`, `/email` or `body.email`: the last segment counts. */
export function fieldOf(path: string): string | undefined {
  return path.split(/[./]/).filter(Boolean).at(-1);
}

/** The API's message for one form field, if it refused that field. */
export function fieldError(problem: Problem | undefined, field: string): string | undefined {
  return problem?.errors?.find((entry) => fieldOf(entry.path) === field)?.message;
}

/** A problem path as dots, without a leading `body`: `/lines/2/quantity` and `body.lines.2.quantity` -> `lines.2.quantity`. */
export function normalPath(path: string): string {
  const parts = path.split(/[./]/).filter(Boolean);
  return (parts[0] === 'body' ? parts.slice(1) : parts).join('.');
}

/** The API's message for the field at exactly this path (`lines.2.quantity`), for forms with repeated rows. */
export function errorAt(problem: Problem | undefined, path: string): string | undefined {
  return problem?.errors?.find((entry) => normalPath(entry.path) === path)?.message;
}
