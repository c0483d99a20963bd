import { z } from 'zod';
import { pageOf, supplierSchema, taskSchema } from '@p2p/domain';
import { taskKindDef } from '@p2p/domain/task-registry';
import { kindsNeedingSuppliers } from '$lib/components/task-forms';
import { apiFetch, pageError } from '$lib/server/api';
import { namesOf } from '$lib/server/people';
import { taskKindViews } from '$lib/server/task-kinds';
import { approveSelected, claimTask, decideTask, taskViewOf } from '$lib/server/tasks';
import type { TaskView } from '$lib/task-view';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;
const counts = z.object({ open: z.int(), overdue: z.int() });

/**
 * The inbox: one page of tasks of any kind (the API sorts by due date,
 * overdue first), the counts for the tabs, and for each task what it is
 * about. Each task carries its record's description (`details.subject`), so
 * no record is fetched here; only the names of the people around the tasks
 * are looked up. The kinds come along for the forms their actions carry.
 */
export const load: PageServerLoad = async (event) => {
  const { url } = event;
  event.depends('app:inbox');
  const status = url.searchParams.get('status') === 'completed' ? ('completed' as const) : ('open' as const);
  const kindParam = url.searchParams.get('kind') ?? '';
  const kind = taskKindDef(kindParam) ? kindParam : null;
  const overdue = status === 'open' && url.searchParams.get('overdue') === 'true';
  const cursor = url.searchParams.get('cursor');

  const query = new URLSearchParams({ status, limit: String(PAGE_SIZE) });
  if (kind) query.set('kind', kind);
  if (overdue) query.set('overdue', 'true');
  if (cursor) query.set('cursor', cursor);

  const [tasks, taskCounts, kinds] = await Promise.all([
    apiFetch(event, `/tasks?${query}`, { schema: pageOf(taskSchema) }),
    apiFetch(event, '/tasks/counts', { schema: counts }),
    // Only the action forms need it: without it the list still shows, and a form's data is refused by the API, not lost silently.
    taskKindViews(event).catch(() => [])
  ]).catch((cause) => pageError(event, cause));

  // `?task=` comes from e-mails: that task is shown first, even when it is not on this page (or no longer open).
  const highlight = url.searchParams.get('task');
  const focus = highlight
    ? (tasks.items.find((task) => task.id === highlight) ??
      (await apiFetch(event, `/tasks/${encodeURIComponent(highlight)}`, { schema: taskSchema }).catch(() => null)))
    : undefined;
  const listed = focus && !tasks.items.some((task) => task.id === focus.id) ? [...tasks.items, focus] : tasks.items;

  // A buyer assigning suppliers picks from the active ones; other inboxes need no supplier list.
  const suppliers = listed.some((task) => task.status === 'open' && kindsNeedingSuppliers.includes(task.kind))
    ? await apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) })
        .then((page) => page.items.filter((supplier) => supplier.active).map(({ id, name }) => ({ id, name })))
        .catch(() => [])
    : [];

  const views: Record<string, TaskView> = Object.fromEntries(listed.map((task) => [task.id, taskViewOf(task)]));
  const names = await namesOf(
    event,
    listed.filter((task) => task.access === 'delegate' || task.status !== 'open').flatMap((task) => [task.assigneeId, task.completedById, task.onBehalfOfId])
  );

  return {
    status,
    kind,
    overdue,
    cursor,
    tasks,
    counts: taskCounts,
    views,
    names,
    kinds,
    references: { suppliers },
    /** undefined: no `?task=`; null: named, but not one the caller can see. */
    focus
  };
};

export const actions: Actions = {
  decide: decideTask,
  claim: claimTask,
  approveSelected
};
