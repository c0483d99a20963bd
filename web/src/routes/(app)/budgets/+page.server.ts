import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { budgetSchema, projectSchema } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import type { Actions, PageServerLoad } from './$types';

const budgetList = z.object({ items: z.array(budgetSchema) });

/**
 * Budgets per project and/or GL code per month, quarter or year, with what
 * is committed, spent and left of each (computed by the API from the
 * records). Administrators set and remove them; report readers see them.
 */
export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('read', 'Budget')) error(403, 'Budgets are for administrators and those who read reports.');
  const yearParam = event.url.searchParams.get('year') ?? '';
  const year = /^\d{4}$/.test(yearParam) ? yearParam : '';
  const [budgets, projects] = await Promise.all([
    apiFetch(event, `/budgets${year ? `?year=${year}` : ''}`, { schema: budgetList }),
    apiFetch(event, '/projects', { schema: z.object({ items: z.array(projectSchema) }) }).catch(() => ({ items: [] }))
  ]).catch((cause) => pageError(event, cause));
  return {
    budgets: budgets.items,
    year,
    projects: projects.items.map(({ id, code, name }) => ({ id, label: `${code} ${name}` })),
    canEdit: event.locals.ability.can('update', 'Budget'),
    canDelete: event.locals.ability.can('delete', 'Budget')
  };
};

export const actions: Actions = {
  /** Add or change: the API upserts by project, code and period, so the same scope again changes the amount. */
  save: async (event) => {
    const form = await event.request.formData();
    const values = {
      projectId: formText(form, 'projectId'),
      glCode: formText(form, 'glCode').trim(),
      period: formText(form, 'period').trim(),
      amount: formText(form, 'amount').trim().replaceAll(',', '')
    };
    const body = { projectId: values.projectId || null, glCode: values.glCode || null, period: values.period, amount: values.amount };
    try {
      const budget = await apiFetch(event, '/budgets', { method: 'PUT', body, schema: budgetSchema });
      return { saved: { id: budget.id, period: budget.period } };
    } catch (cause) {
      return actionFailure(event, cause, { form: 'save' as const, values });
    }
  },

  remove: async (event) => {
    const form = await event.request.formData();
    const id = formText(form, 'id');
    try {
      await apiFetch(event, `/budgets/${encodeURIComponent(id)}`, { method: 'DELETE' });
      return { removed: id };
    } catch (cause) {
      return actionFailure(event, cause, { form: 'remove' as const, removeId: id });
    }
  }
};
