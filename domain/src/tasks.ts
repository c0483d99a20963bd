import { z } from 'zod';
import { text } from './text.ts';
import { taskNamePattern, taskStatuses } from './task-registry.ts';

export * from './task-registry.ts';
export * from './task-forms.ts';

export const slaStates = ['on_track', 'due_soon', 'overdue'] as const;

export const taskSchema = z.object({
  id: z.string(),
  /** A kind of the task-kind registry (GET /tasks/kinds lists them). */
  kind: z.string(),
  /** What the process wants shown with the task (approval level, round, reroute note, question, amounts). */
  details: z.record(z.string(), z.unknown()),
  title: z.string(),
  businessKey: z.string().nullable(),
  processId: z.string(),
  subjectType: z.string(),
  subjectId: z.string(),
  assigneeId: z.string().nullable(),
  candidateRole: z.string().nullable(),
  dueAt: z.string().nullable(),
  slaState: z.enum(slaStates),
  actions: z.array(z.string()),
  status: z.enum(taskStatuses),
  outcome: z.string().nullable(),
  completedById: z.string().nullable(),
  onBehalfOfId: z.string().nullable(),
  completedAt: z.string().nullable(),
  comment: z.string().nullable(),
  escalationLevel: z.int(),
  createdAt: z.string(),
  /** Why the caller sees it: assigned to them, as delegate, or claimable by role. */
  access: z.enum(['assignee', 'delegate', 'candidate', 'watcher', 'reader']),
});
export type Task = z.infer<typeof taskSchema>;

/** A form field's value, and a row of a table in a form (two levels: what any registered form holds). */
const formScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const formRow = z.record(z.string(), formScalar);

export const completeTaskBody = z.strictObject({
  action: z.string().regex(taskNamePattern),
  comment: text(2000).optional(),
  /** An action's form data (GET /tasks/kinds publishes each form as JSON Schema): fields, and tables of rows (a PO's line prices). */
  data: z.record(z.string(), z.union([formScalar, z.array(z.union([formScalar, formRow])).max(500), formRow])).optional(),
});
export type CompleteTaskBody = z.infer<typeof completeTaskBody>;

/** One kind of the registry as GET /tasks/kinds serves it, with each action's form as JSON Schema (built from the zod schema the API validates with). */
export const taskKindViewSchema = z.object({
  kind: z.string(),
  processType: z.string(),
  label: z.string(),
  subjectType: z.string(),
  slaPolicy: z.string().nullable(),
  segregated: z.boolean(),
  actions: z.array(
    z.object({
      name: z.string(),
      label: z.string(),
      done: z.string(),
      comment: z.enum(['required', 'optional']),
      form: z.boolean(),
      tone: z.enum(['positive', 'negative', 'neutral']),
      /** null: the action carries no data. */
      formSchema: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
});
export type TaskKindView = z.infer<typeof taskKindViewSchema>;

/** A fact about the record a task is about, as tasks carry it (and mails show it). */
export const subjectFactSchema = z.object({
  label: z.string(),
  text: z.string().nullish(),
  amount: z.string().nullish(),
  currency: z.string().nullish(),
  date: z.string().nullish(),
  strong: z.boolean().optional(),
});

/** The record a task is about: what the inbox and the link page show, whatever the process. */
export const taskSubjectSchema = z.object({
  typeLabel: z.string(),
  number: z.string(),
  title: z.string(),
  url: z.string().nullish(),
  facts: z.array(subjectFactSchema),
  summary: z.string().nullish(),
});
export type TaskSubject = z.infer<typeof taskSubjectSchema>;

/** What an e-mailed action link would do: GET /action-links/{token}. */
export const actionLinkViewSchema = z.object({
  action: z.string(),
  actionLabel: z.string(),
  /** The button's colour: a negative action (reject) is red. */
  actionTone: z.enum(['positive', 'negative', 'neutral']),
  commentRequired: z.boolean(),
  formRequired: z.boolean(),
  user: z.object({ id: z.string(), name: z.string() }),
  task: z.object({ id: z.string(), kind: z.string(), kindLabel: z.string(), title: z.string(), businessKey: z.string().nullable(), status: z.string(), dueAt: z.string().nullable(), subjectType: z.string(), subjectId: z.string() }),
  subject: taskSubjectSchema,
  expiresAt: z.string(),
});
