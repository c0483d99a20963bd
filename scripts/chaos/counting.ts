/** Counting helpers the chaos checks share. */

export interface Check {
  check: string;
  expected: string | number;
  actual: string | number;
  ok: boolean;
}

/** Adds a row to the table: ok when actual equals expected unless told otherwise. */
export type AddCheck = (check: string, expected: string | number, actual: string | number, ok?: boolean) => void;

export const tally = <T>(items: T[], keyOf: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
};

export const sameCounts = (expected: Partial<Record<string, number>>, actual: Map<string, number>) => {
  const keys = new Set([...Object.keys(expected), ...actual.keys()]);
  return [...keys].every((key) => (expected[key] ?? 0) === (actual.get(key) ?? 0));
};

export const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

export const groupBy = <T>(items: T[], keyOf: (item: T) => string) => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
};

/** Document numbers `<KIND>-<year>-<seq>`: unique and exactly 1..count (one year per run). */
export function numberChecks(add: AddCheck, what: string, numbers: (string | null)[], count: number) {
  const present = numbers.filter((number): number is string => Boolean(number));
  add(`${what} numbers unique`, count, new Set(present).size);
  const sequences = present.map((number) => Number(/-(\d+)$/.exec(number)?.[1])).sort((a, b) => a - b);
  const gapless = sequences.length === count && sequences.every((value, index) => value === index + 1);
  add(`${what} numbers gapless`, `1..${count}`, sequences.length ? `${sequences[0]}..${sequences.at(-1)}${gapless ? '' : ` (${sequences.length} numbers)`}` : 'none', gapless);
}
