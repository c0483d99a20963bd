import { fail, type RequestEvent } from '@sveltejs/kit';
import { z } from 'zod';
import { actionDef, commentRequiredFor, pageOf, problemSchema, taskSchema, taskSubjectSchema, type Task } from '@p2p/domain';
import { taskKindLabel } from '$lib/labels';
import { formDataFrom, formFieldsOf, isStructuredForm, structuredDataFrom } from '$lib/task-form';
import type { TaskView } from '$lib/task-view';
import { actionFailure, apiFetch, type ApiEvent } from './api';
import { formText, formTexts } from './form';
import { actionFormSchema } from './task-kinds';

const completion = z.object({ task: taskSchema, process: z.object({ id: z.string(), status: z.string() }) });
const bulkResult = z.object({
  results: z.array(z.object({ taskId: z.string(), status: z.int(), task: taskSchema.optional(), problem: problemSchema.optional() })),
  succeeded: z.int(),
  failed: z.int()
});

/**
 * The form action behind every decision button, for any kind: `taskId`,
 * `action`, `kind`, `comment` and the action's form fields as `data.<field>`.
 * The registry's comment rule is checked here too, so a missing reason is
 * answered next to the field without a round trip; form values are typed by
 * the action's published schema. The API stays the judge of everything
 * (the kind posted here only picks the rule and the form; the API decides
 * by the task's real kind), and its `data.*` problems land next to their fields.
 */
export async function decideTask(event: RequestEvent) {
  const form = await event.request.formData();
  const taskId = formText(form, 'taskId');
  const action = formText(form, 'action');
  const kind = formText(form, 'kind');
  const comment = formText(form, 'comment').trim();
  const values = { taskId, action, kind, comment };
  const def = actionDef(kind, action);
  if (!taskId || !def) return fail(400, { decision: values, problem: invalid('action', 'Choose what to do with the task.') });
  if (commentRequiredFor(kind, action) && !comment) {
    return fail(400, { decision: values, problem: invalid('comment', 'Please say why: the people involved read this.') });
  }
  try {
    const formSchema = def.form ? await actionFormSchema(event, kind, action) : null;
    // A form with a list (an order's lines) names its inputs by their data path; a flat one is typed by its fields.
    const data = !def.form ? undefined : isStructuredForm(formSchema) ? structuredDataFrom(form) : formDataFrom(formFieldsOf(formSchema), form);
    const done = await apiFetch(event, `/tasks/${encodeURIComponent(taskId)}/complete`, {
      method: 'POST',
      body: { action, ...(comment ? { comment } : {}), ...(data ? { data } : {}) },
      schema: completion
    });
    const view = taskViewOf(done.task);
    return {
      decided: { taskId, action, kind, title: view.subject.title, typeLabel: view.subject.typeLabel, businessKey: done.task.businessKey, processStatus: done.process.status }
    };
  } catch (cause) {
    return actionFailure(event, cause, { decision: values });
  }
}

/**
 * How the inbox shows a task. The process describes its record in
 * `details.subject`; tasks opened before it did fall back to the task's own
 * title and key and the kind's label.
 */
export function taskViewOf(task: Task): TaskView {
  const parsed = taskSubjectSchema.safeParse(task.details.subject);
  const subject = parsed.success
    ? parsed.data
    : { typeLabel: task.subjectType, number: task.businessKey ?? '', title: task.title, url: null, facts: [], summary: null };
  return {
    subject,
    href: pathOf(subject.url),
    stepLabel: textOf(task.details.stepLabel) ?? taskKindLabel(task.kind),
    note: textOf(task.details.note),
    question: textOf(task.details.question)
  };
}

const textOf = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value : null);

/** The record page on this site: mails carry PUBLIC_URL links, the inbox keeps to the host it is served from. */
function pathOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const { pathname, search, hash } = new URL(url, 'http://localhost');
    return `${pathname}${search}${hash}`;
  } catch {
    return null;
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

/** The requester's open "answer" task on a requisition (the requisition page's question panel and its amend form). */
export async function openAnswerTask(event: ApiEvent, requisitionId: string): Promise<Task | null> {
  const query = new URLSearchParams({ status: 'open', kind: 'requisition_answer', subjectId: requisitionId, limit: '10' });
  const open = await apiFetch(event, `/tasks?${query}`, { schema: pageOf(taskSchema) });
  return open.items.find((task) => task.subjectId === requisitionId) ?? null;
}

function invalid(path: string, message: string): z.infer<typeof problemSchema> {
  return { type: 'about:blank', title: 'Please check the form', status: 400, detail: message, errors: [{ path, message }] };
}
