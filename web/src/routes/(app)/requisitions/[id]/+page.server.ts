import { fail, redirect } from '@sveltejs/kit';
import { subject } from '@casl/ability';
import { z } from 'zod';
import { editableStatuses, pageOf, projectSchema, purchaseOrderSummarySchema, requisitionSchema, supplierSchema, taskSchema, withdrawableStatuses } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { namesOf } from '$lib/server/people';
import { taskKindViews } from '$lib/server/task-kinds';
import { claimTask, decideTask, openAnswerTask } from '$lib/server/tasks';
import type { Actions, PageServerLoad } from './$types';

const projectList = z.object({ items: z.array(projectSchema) });

/**
 * One requisition: header, lines, the approval chain with names, and what
 * the caller may do here. Permissions come from the same CASL rules the API
 * enforces (`locals.ability`), joined with the states the domain allows.
 */
export const load: PageServerLoad = async (event) => {
  const { params, locals } = event;
  event.depends('app:requisition');
  const requisition = await apiFetch(event, `/requisitions/${encodeURIComponent(params.id)}`, { schema: requisitionSchema }).catch((cause) =>
    pageError(event, cause)
  );
  const record = subject('Requisition', { ...requisition });
  const isRequester = requisition.requesterId === locals.user?.id;

  // The caller's own open task on it: the active approval step's, or (for the requester) the question to answer.
  const activeStep = requisition.steps.find((step) => step.status === 'active' && step.taskId);
  // Approved lines become orders; the requester reads those of their own requisitions.
  const ordersMayExist = ['approved', 'ordered', 'closed'].includes(requisition.status) && locals.ability.can('read', 'PurchaseOrder');
  const [stepTask, answerTask, projects, suppliers, kinds, orders] = await Promise.all([
    activeStep?.taskId ? apiFetch(event, `/tasks/${activeStep.taskId}`, { schema: taskSchema }).catch(() => null) : null,
    isRequester && requisition.status === 'questioned' ? openAnswerTask(event, requisition.id).catch(() => null) : null,
    requisition.projectId ? apiFetch(event, '/projects', { schema: projectList }).catch(() => ({ items: [] })) : { items: [] },
    requisition.lines.some((line) => line.supplierId)
      ? apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }).catch(() => ({ items: [] }))
      : { items: [] },
    // For the forms a decision may carry; the decision buttons and comment rules come from the registry.
    taskKindViews(event).catch(() => []),
    ordersMayExist
      ? apiFetch(event, `/purchase-orders?requisitionId=${encodeURIComponent(requisition.id)}&limit=100`, { schema: pageOf(purchaseOrderSummarySchema) }).catch(() => null)
      : null
  ]);
  const myTask = stepTask && stepTask.status === 'open' && ['assignee', 'delegate', 'candidate'].includes(stepTask.access) ? stepTask : null;

  const names = await namesOf(event, [
    requisition.requesterId,
    ...requisition.steps.flatMap((step) => [step.assigneeId, step.decidedBy, step.onBehalfOf]),
    myTask?.assigneeId
  ]);
  const question = [...requisition.steps].reverse().find((step) => step.status === 'questioned')?.comment ?? null;

  return {
    requisition,
    names,
    project: projects.items.find((project) => project.id === requisition.projectId) ?? null,
    supplierNames: Object.fromEntries(suppliers.items.map((supplier) => [supplier.id, supplier.name])),
    myTask,
    answerTask,
    question,
    kinds,
    /** Null: none may exist yet (or they could not be read); the section is left out. */
    purchaseOrders: orders?.items ?? null,
    can: {
      edit: locals.ability.can('update', record) && editableStatuses.includes(requisition.status),
      submit: locals.ability.can('submit', record) && requisition.status === 'draft',
      withdraw: locals.ability.can('withdraw', record) && withdrawableStatuses.includes(requisition.status),
      isRequester
    },
    flash: (['submitted', 'answered', 'saved'] as const).find((key) => event.url.searchParams.has(key)) ?? null
  };
};

export const actions: Actions = {
  decide: decideTask,
  claim: claimTask,

  submit: async (event) => {
    try {
      await apiFetch(event, `/requisitions/${encodeURIComponent(event.params.id)}/submit`, { method: 'POST' });
    } catch (cause) {
      return actionFailure(event, cause);
    }
    redirect(303, `/requisitions/${event.params.id}?submitted`);
  },

  withdraw: async (event) => {
    const reason = formText(await event.request.formData(), 'reason').trim();
    if (reason.length > 1000) return fail(400, { withdrawReason: reason, problem: { type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path: 'reason', message: 'at most 1000 characters' }] } });
    try {
      await apiFetch(event, `/requisitions/${encodeURIComponent(event.params.id)}/withdraw`, { method: 'POST', body: reason ? { reason } : {} });
      return { withdrawn: true };
    } catch (cause) {
      return actionFailure(event, cause, { withdrawReason: reason });
    }
  }
};
