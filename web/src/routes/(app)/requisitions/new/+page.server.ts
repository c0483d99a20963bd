import { error, redirect } from '@sveltejs/kit';
import { requisitionSchema } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { loadFormReferences, readRequisitionForm, requisitionBodyOf } from '$lib/server/requisitions';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('create', 'Requisition')) error(403, 'Only requesters raise requisitions.');
  return loadFormReferences(event).catch((cause) => pageError(event, cause));
};

export const actions: Actions = {
  /**
   * "Save draft" creates it; "Submit for approval" creates it and submits it.
   * If the submit is refused after the draft was saved, the answer names the
   * draft (`draftId`), and the page goes on editing that draft rather than
   * creating a second one.
   */
  default: async (event) => {
    const form = await event.request.formData();
    const intent = formText(form, 'intent') === 'submit' ? 'submit' : 'draft';
    const values = readRequisitionForm(form);

    let id: string;
    try {
      ({ id } = await apiFetch(event, '/requisitions', { method: 'POST', body: requisitionBodyOf(values), schema: requisitionSchema }));
    } catch (cause) {
      return actionFailure(event, cause, { values });
    }
    if (intent === 'submit') {
      try {
        await apiFetch(event, `/requisitions/${id}/submit`, { method: 'POST' });
      } catch (cause) {
        return actionFailure(event, cause, { values, draftId: id });
      }
    }
    redirect(303, `/requisitions/${id}?${intent === 'submit' ? 'submitted' : 'saved'}`);
  }
};
