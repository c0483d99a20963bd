import type { z } from 'zod';
import { actionDef, type TaskAction, type TaskKind } from './task-registry.ts';

/**
 * Form schemas of the actions that carry data ("prepare PO" carries prices
 * and dates): registered per kind and action beside the process's kinds, read
 * by the API to validate `data` of a completion. Kept apart from the
 * registry because workflows must not load zod.
 */
/** A check of valid form data against the task it completes (the lines a task lists): issues name fields as `data.<path>`. */
export type TaskFormCheck = (data: Record<string, unknown>, details: Record<string, unknown>) => FormIssue[];

const forms = new Map<string, { schema: z.ZodType<Record<string, unknown>>; check?: TaskFormCheck }>();
const keyOf = (kind: TaskKind, action: TaskAction) => `${kind}:${action}`;

export function defineTaskForm(kind: TaskKind, action: TaskAction, schema: z.ZodType<Record<string, unknown>>, check?: TaskFormCheck): void {
  if (!actionDef(kind, action)?.form) throw new Error(`${kind}.${action} is not registered as an action with form data`);
  forms.set(keyOf(kind, action), { schema, check });
}

export function taskFormFor(kind: TaskKind, action: TaskAction): z.ZodType<Record<string, unknown>> | undefined {
  return forms.get(keyOf(kind, action))?.schema;
}

export interface FormIssue {
  path: string;
  message: string;
}

/**
 * Checks a completion's `data` against its action's form: a form action
 * needs valid data, any other action takes none. Paths name the field as
 * the client sent it (`data.unitPrice`).
 */
export function checkTaskData(kind: TaskKind, action: TaskAction, data: Record<string, unknown> | undefined, details: Record<string, unknown> = {}): { ok: true; data: Record<string, unknown> | null } | { ok: false; issues: FormIssue[] } {
  const def = actionDef(kind, action);
  if (!def?.form) {
    if (data && Object.keys(data).length > 0) return { ok: false, issues: [{ path: 'data', message: `"${action}" takes no data` }] };
    return { ok: true, data: null };
  }
  const form = forms.get(keyOf(kind, action));
  if (!form) return { ok: false, issues: [{ path: 'data', message: `no form is registered for ${kind}.${action}` }] };
  const parsed = form.schema.safeParse(data ?? {});
  if (parsed.success) {
    const issues = form.check?.(parsed.data, details) ?? [];
    return issues.length ? { ok: false, issues } : { ok: true, data: parsed.data };
  }
  return { ok: false, issues: parsed.error.issues.map((issue) => ({ path: ['data', ...issue.path.map(String)].join('.'), message: issue.message })) };
}
