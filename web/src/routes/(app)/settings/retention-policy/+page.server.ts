import { error, fail } from '@sveltejs/kit';
import { retentionPolicySchema } from '@p2p/domain';
import { ApiError, actionFailure, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import type { Actions, PageServerLoad } from './$types';

/**
 * The retention policy (SPEC 4.4): per record class the period, the event it
 * counts from and the legal minimum. Admins change it; records managers and
 * auditors read it.
 */
export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('read', 'Policy')) error(403, 'The retention policy is for administrators, records managers and auditors.');
  const policy = await apiFetch(event, '/policies/retention', { schema: retentionPolicySchema }).catch((cause) => pageError(event, cause));
  return { policy, canEdit: event.locals.ability.can('update', 'Policy') };
};

export const actions: Actions = {
  save: async (event) => {
    const form = await event.request.formData();
    const current = await apiFetch(event, '/policies/retention', { schema: retentionPolicySchema }).catch((cause) => pageError(event, cause));
    // Only the periods that were changed: a class left as it was keeps following its default.
    const periods: Record<string, string> = {};
    for (const row of current.classes) {
      const typed = formText(form, `period.${row.recordClass}`).trim().toUpperCase();
      if (typed && typed !== row.period) periods[row.recordClass] = typed;
    }
    const values = Object.fromEntries(current.classes.map((row) => [row.recordClass, formText(form, `period.${row.recordClass}`)]));
    if (Object.keys(periods).length === 0) return { done: 'unchanged' as const };
    try {
      await apiFetch(event, '/policies/retention', { method: 'PUT', body: { periods }, schema: retentionPolicySchema });
      return { done: 'saved' as const, changed: Object.keys(periods) };
    } catch (cause) {
      if (cause instanceof ApiError) return fail(cause.status, { problem: cause.problem, values });
      return actionFailure(event, cause, { values });
    }
  }
};
