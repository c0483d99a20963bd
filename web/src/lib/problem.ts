import type { Problem } from '@p2p/domain';

/** The form field a problem path names. Paths may be `email`, `/email` or `body.email`: the last segment counts. */
export function fieldOf(path: string): string | undefined {
  return path.split(/[./]/).filter(Boolean).at(-1);
}

/** The API's message for one form field, if it refused that field. */
export function fieldError(problem: Problem | undefined, field: string): string | undefined {
  return problem?.errors?.find((entry) => fieldOf(entry.path) === field)?.message;
}
