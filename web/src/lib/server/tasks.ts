import { fail, type RequestEvent } from '@sveltejs/kit';
import { z } from 'zod';
import { commentRequired, pageOf, problemSchema, taskActions, taskSchema, type Task, type TaskAction } from '@p2p/domain';
import { actionFailure, apiFetch, type ApiEvent } from './api';
import { formText, formTexts } from './form';

const completion = z.object({ task: taskSchema, process: z.object({ id: z.string(), status: z.string() }) });
const bulkResult = z.object({
  results: z.array(z.object({ taskId: z.string(), status: z.int(), task: taskSchema.optional(), problem: problemSchema.optional() })),
  succeeded: z.int(),
  failed: z.int()
});

/** For pages: which actions ask for a comment, decided by the domain, handed to the browser as data. */
export const commentActions: TaskAction[] = [...commentRequired];

const isAction = (value: string): value is TaskAction => (taskActions as readonly string[]).includes(value);

/**
 * The form action behind every Approve / Reject / Ask / Answer button. The
 * comment rule is checked here too, so a missing reason is answered next to
 * the field without a round trip; the API stays the judge of everything else.
 */
export async function decideTask(event: RequestEvent) {
  const form = await event.request.formData();
  const taskId = formText(form, 'taskId');
  const action = formText(form, 'action');
  const comment = formText(form, 'comment').trim();
  const values = { taskId, action, comment };
  if (!taskId || !isAction(action)) return fail(400, { decision: values, problem: invalid('action', 'Choose what to do with the task.') });
  if (commentRequired.has(action) && !comment) {
    return fail(400, { decision: values, problem: invalid('comment', 'Please say why: the requester reads this.') });
  }
  try {
    const done = await apiFetch(event, `/tasks/${encodeURIComponent(taskId)}/complete`, {
      method: 'POST',
      body: { action, ...(comment ? { comment } : {}) },
      schema: completion
    });
    return { decided: { taskId, action, title: done.task.title, businessKey: done.task.businessKey, processStatus: done.process.status } };
  } catch (cause) {
    return actionFailure(event, cause, { decision: values });
  }
}

export async function claimTask(event: RequestEvent) {
  const taskId = formText(await event.request.formData(), 'taskId');
  if (!taskId) return fail(400, { problem: invalid('taskId', 'No task was chosen.') });
  try {
    const { task } = await apiFetch(event, `/tasks/${encodeURIComponent(taskId)}/claim`, { method: 'POST', schema: z.object({ task: taskSchema }) });
    return { claimed: { taskId, title: task.title, businessKey: task.businessKey } };
  } catch (cause) {
    return actionFailure(event, cause);
  }
}

/** "Approve selected": one request, one result per task; failures are listed, successes counted. */
export async function approveSelected(event: RequestEvent) {
  const taskIds = [...new Set(formTexts(await event.request.formData(), 'taskId').filter(Boolean))];
  if (taskIds.length === 0) return fail(400, { problem: invalid('taskId', 'Select at least one task.') });
  try {
    const result = await apiFetch(event, '/tasks/bulk-complete', { method: 'POST', body: { taskIds, action: 'approve' }, schema: bulkResult });
    return {
      bulk: {
        succeeded: result.succeeded,
        failed: result.results
          .filter((entry) => entry.status !== 200)
          .map((entry) => ({ taskId: entry.taskId, status: entry.status, reason: entry.problem?.detail ?? entry.problem?.title ?? 'Refused' }))
      }
    };
  } catch (cause) {
    return actionFailure(event, cause);
  }
}

/**
 * The requester's open "answer" task on a requisition. The inbox API has no
 * filter by subject; a requester has few such tasks, so one page covers them.
 */
export async function openAnswerTask(event: ApiEvent, requisitionId: string): Promise<Task | null> {
  const open = await apiFetch(event, '/tasks?status=open&kind=requisition_answer&limit=200', { schema: pageOf(taskSchema) });
  return open.items.find((task) => task.subjectId === requisitionId) ?? null;
}

function invalid(path: string, message: string): z.infer<typeof problemSchema> {
  return { type: 'about:blank', title: 'Please check the form', status: 400, detail: message, errors: [{ path, message }] };
}
