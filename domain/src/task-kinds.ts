/**
 * Task kinds and actions, without zod: workflows import this (see
 * approval-rules.ts for why). The schemas live in tasks.ts.
 */
export const taskKinds = ['requisition_approval', 'requisition_answer'] as const;
export type TaskKind = (typeof taskKinds)[number];

export const taskActions = ['approve', 'reject', 'question', 'answer', 'withdraw'] as const;
export type TaskAction = (typeof taskActions)[number];

/** What a person can do on each kind of task. */
export const actionsByKind: Record<TaskKind, readonly TaskAction[]> = {
  requisition_approval: ['approve', 'reject', 'question'],
  requisition_answer: ['answer', 'withdraw'],
};

/** Actions that need a comment saying why. */
export const commentRequired: ReadonlySet<TaskAction> = new Set(['reject', 'question', 'answer']);

export const taskStatuses = ['open', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

