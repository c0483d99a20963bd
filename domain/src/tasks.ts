import { z } from 'zod';
import { taskActions, taskKinds, taskStatuses } from './task-kinds.ts';

export * from './task-kinds.ts';

export const slaStates = ['on_track', 'due_soon', 'overdue'] as const;

export const taskSchema = z.object({
  id: z.string(),
  kind: z.enum(taskKinds),
  title: z.string(),
  businessKey: z.string().nullable(),
  processId: z.string(),
  subjectType: z.string(),
  subjectId: z.string(),
  assigneeId: z.string().nullable(),
  candidateRole: z.string().nullable(),
  dueAt: z.string().nullable(),
  slaState: z.enum(slaStates),
  actions: z.array(z.enum(taskActions)),
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

export const completeTaskBody = z.strictObject({
  action: z.enum(taskActions),
  comment: z.string().trim().min(1).max(2000).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type CompleteTaskBody = z.infer<typeof completeTaskBody>;
