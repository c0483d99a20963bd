import type { z } from 'zod';

/**
 * Rules across fields (one threshold not below another, an end after its
 * start) that JSON Schema cannot state. They run only on a value whose every
 * field passed its own schema, so a rule may rely on what the schema promised
 * (it compares decimals that are decimals, dates that are dates); a value that
 * failed is answered with those failures alone. Their issues keep zod's
 * `custom` code: the API answers them 422, the request matched its published
 * schema and broke a rule beyond it. Where JSON Schema can state the rule
 * after all, `statedAs` publishes it next to the check.
 */
export function withRules<T extends z.ZodType>(schema: T, rules: (value: z.output<T>, ctx: z.RefinementCtx<z.output<T>>) => void, statedAs?: Record<string, unknown>): T {
  const checked = schema.superRefine(rules, { when: (payload) => payload.issues.length === 0 });
  // A rule JSON Schema can state after all (if / then / else) is published beside its check.
  return statedAs ? checked.meta(statedAs) : checked;
}
