import { fail } from '@sveltejs/kit';
import { userSchema } from '@p2p/domain';
import { actionFailure, apiFetch } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { namesOf } from '$lib/server/people';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const period = event.locals.user?.outOfOffice ?? null;
  const names = period ? await namesOf(event, [period.delegateId]) : {};
  return { period, delegateName: period ? (names[period.delegateId] ?? null) : null };
};

/**
 * datetime-local has no zone: the browser converts to ISO with its offset
 * before sending (see the page). Without script the value arrives bare and
 * is read as UTC, which the page says.
 */
function instant(value: string): string {
  const trimmed = value.trim();
  if (!trimmed) return '';
  return /(Z|[+-]\d{2}:\d{2})$/.test(trimmed) ? trimmed : `${trimmed.length === 16 ? `${trimmed}:00` : trimmed}Z`;
}

export const actions: Actions = {
  set: async (event) => {
    const form = await event.request.formData();
    const values = {
      from: formText(form, 'from'),
      until: formText(form, 'until'),
      delegateId: formText(form, 'delegateId'),
      delegateName: formText(form, 'delegateName')
    };
    if (!values.delegateId) {
      return fail(400, { values, problem: { type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path: 'delegateId', message: 'Choose who acts for you.' }] } });
    }
    try {
      await apiFetch(event, '/me/out-of-office', {
        method: 'PUT',
        body: { from: instant(values.from), until: instant(values.until), delegateId: values.delegateId },
        schema: userSchema
      });
      return { saved: true };
    } catch (cause) {
      return actionFailure(event, cause, { values });
    }
  },
  clear: async (event) => {
    try {
      await apiFetch(event, '/me/out-of-office', { method: 'DELETE', schema: userSchema });
      return { cleared: true };
    } catch (cause) {
      return actionFailure(event, cause);
    }
  }
};
