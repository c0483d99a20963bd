import { z } from 'zod';
import { pageOf, requisitionSchema, taskKinds, taskSchema, type Requisition, type TaskKind } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import { namesOf } from '$lib/server/people';
import { approveSelected, claimTask, commentActions, decideTask } from '$lib/server/tasks';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;
const counts = z.object({ open: z.int(), overdue: z.int() });

/** What a task row shows about its requisition. */
export interface TaskSubject {
  number: string | null;
  title: string;
  total: string;
  status: Requisition['status'];
  requesterId: string;
  neededBy: string | null;
  /** The approval level each of its tasks stands for, by task id, and how long the chain is. */
  steps: Record<string, { level: number; role: string }>;
  chainLength: number;
}

/**
 * The inbox: one page of tasks (the API sorts by due date, overdue first),
 * the counts for the tabs, and for each task the requisition it is about and
 * the names around it, fetched here so the browser makes one request.
 */
export const load: PageServerLoad = async (event) => {
  const { url } = event;
  event.depends('app:inbox');
  const status = url.searchParams.get('status') === 'completed' ? ('completed' as const) : ('open' as const);
  const kindParam = url.searchParams.get('kind') ?? '';
  const kind = (taskKinds as readonly string[]).includes(kindParam) ? (kindParam as TaskKind) : null;
  const overdue = status === 'open' && url.searchParams.get('overdue') === 'true';
  const cursor = url.searchParams.get('cursor');

  const query = new URLSearchParams({ status, limit: String(PAGE_SIZE) });
  if (kind) query.set('kind', kind);
  if (overdue) query.set('overdue', 'true');
  if (cursor) query.set('cursor', cursor);

  const [tasks, taskCounts] = await Promise.all([
    apiFetch(event, `/tasks?${query}`, { schema: pageOf(taskSchema) }),
    apiFetch(event, '/tasks/counts', { schema: counts })
  ]).catch((cause) => pageError(event, cause));

  // `?task=` comes from e-mails: that task is shown first, even when it is not on this page (or no longer open).
  const highlight = url.searchParams.get('task');
  const focus = highlight
    ? (tasks.items.find((task) => task.id === highlight) ??
      (await apiFetch(event, `/tasks/${encodeURIComponent(highlight)}`, { schema: taskSchema }).catch(() => null)))
    : undefined;
  const listed = focus && !tasks.items.some((task) => task.id === focus.id) ? [...tasks.items, focus] : tasks.items;

  const subjectIds = [...new Set(listed.filter((task) => task.subjectType === 'Requisition').map((task) => task.subjectId))];
  const requisitions = await Promise.all(
    subjectIds.map((id) => apiFetch(event, `/requisitions/${encodeURIComponent(id)}`, { schema: requisitionSchema }).catch(() => undefined))
  );
  const subjects: Record<string, TaskSubject> = {};
  for (const requisition of requisitions) {
    if (!requisition) continue;
    const { number, title, total, status: requisitionStatus, requesterId, neededBy } = requisition;
    const steps = Object.fromEntries(requisition.steps.filter((step) => step.taskId).map((step) => [step.taskId!, { level: step.level, role: step.role }]));
    subjects[requisition.id] = { number, title, total, status: requisitionStatus, requesterId, neededBy, steps, chainLength: requisition.steps.length };
  }

  const names = await namesOf(event, [
    ...Object.values(subjects).map((subject) => subject.requesterId),
    ...listed.filter((task) => task.access === 'delegate' || task.status !== 'open').flatMap((task) => [task.assigneeId, task.completedById, task.onBehalfOfId])
  ]);

  return {
    status,
    kind,
    overdue,
    cursor,
    tasks,
    counts: taskCounts,
    subjects,
    names,
    commentActions,
    /** undefined: no `?task=`; null: named, but not one the caller can see. */
    focus
  };
};

export const actions: Actions = {
  decide: decideTask,
  claim: claimTask,
  approveSelected
};
