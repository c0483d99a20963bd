import { fail, redirect } from '@sveltejs/kit';
import { subject } from '@casl/ability';
import { editableStatuses, requisitionSchema, type Requisition } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { openAnswerTask } from '$lib/server/tasks';
import { loadFormReferences, readRequisitionForm, requisitionBodyOf, type RequisitionFormValues } from '$lib/server/requisitions';
import type { Actions, PageServerLoad } from './$types';

/** Stored decimals carry 4 places; the form shows them as people type them ("40", "6.25"). */
const trimmed = (value: string, minDecimals: number) => {
  const [whole = '0', fraction = ''] = value.split('.');
  const kept = fraction.replace(/0+$/, '').padEnd(minDecimals, '0');
  return kept ? `${whole}.${kept}` : whole;
};

/** The form's strings for a stored requisition. */
function valuesOf(requisition: Requisition): RequisitionFormValues {
  return {
    title: requisition.title,
    purpose: requisition.purpose,
    projectId: requisition.projectId ?? '',
    neededBy: requisition.neededBy ?? '',
    lines: requisition.lines.map((line) => ({
      description: line.description,
      quantity: trimmed(line.quantity, 0),
      unit: line.unit,
      unitPrice: trimmed(line.unitPrice, 2),
      supplierId: line.supplierId ?? '',
      glCode: line.glCode ?? ''
    }))
  };
}

/** Editing is for the requester, while draft or questioned; anyone else goes back to the requisition. */
export const load: PageServerLoad = async (event) => {
  const { params, locals } = event;
  const requisition = await apiFetch(event, `/requisitions/${encodeURIComponent(params.id)}`, { schema: requisitionSchema }).catch((cause) =>
    pageError(event, cause)
  );
  if (!locals.ability.can('update', subject('Requisition', { ...requisition })) || !editableStatuses.includes(requisition.status)) {
    redirect(303, `/requisitions/${requisition.id}`);
  }
  const references = await loadFormReferences(event).catch((cause) => pageError(event, cause));
  const question = [...requisition.steps].reverse().find((step) => step.status === 'questioned')?.comment ?? null;
  return { requisition: { id: requisition.id, number: requisition.number, status: requisition.status, title: requisition.title }, values: valuesOf(requisition), question, ...references };
};

export const actions: Actions = {
  /**
   * Saves the changes (PUT), then: a draft may be submitted; a questioned
   * requisition may be answered, which sends it back to the approver (and,
   * if the total changed, restarts the chain). Failures carry `draftId`, so
   * the new-requisition page that posted here keeps editing this draft.
   */
  default: async (event) => {
    const { id } = event.params;
    const form = await event.request.formData();
    const intent = formText(form, 'intent');
    const answer = formText(form, 'answer').trim();
    const values = readRequisitionForm(form);
    if (intent === 'answer' && !answer) {
      return fail(400, {
        values,
        draftId: id,
        problem: { type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path: 'answer', message: 'Write an answer for the approver.' }] }
      });
    }

    try {
      await apiFetch(event, `/requisitions/${encodeURIComponent(id)}`, { method: 'PUT', body: requisitionBodyOf(values), schema: requisitionSchema });
      if (intent === 'submit') await apiFetch(event, `/requisitions/${encodeURIComponent(id)}/submit`, { method: 'POST' });
      if (intent === 'answer') {
        const task = await openAnswerTask(event, id);
        if (!task) return fail(409, { values, draftId: id, problem: { type: 'about:blank', title: 'Nothing to answer', status: 409, detail: 'Your changes were saved, but there is no open question on this requisition any more.' } });
        await apiFetch(event, `/tasks/${task.id}/complete`, { method: 'POST', body: { action: 'answer', comment: answer } });
      }
    } catch (cause) {
      return actionFailure(event, cause, { values, draftId: id });
    }
    redirect(303, `/requisitions/${id}${intent === 'submit' ? '?submitted' : intent === 'answer' ? '?answered' : '?saved'}`);
  }
};
