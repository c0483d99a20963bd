import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { matchingPolicySchema, pageOf, supplierSchema, supplierTolerancesView, type Problem } from '@p2p/domain';
import { actionFailure, ApiError, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { isUuid } from '$lib/server/invoices';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/**
 * The matching policy (SPEC 4.3): the company's tolerances, the
 * auto-approve limit and the waiting periods, and the suppliers with
 * tolerances of their own. Admins change it; those who may read it see it.
 */
export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('read', 'Policy')) error(403, 'The matching policy is the administrators’ to set.');
  const [policy, overrides, suppliers] = await Promise.all([
    apiFetch(event, '/policies/matching', { schema: matchingPolicySchema }),
    apiFetch(event, '/policies/matching/suppliers', { schema: z.object({ items: z.array(supplierTolerancesView) }) }),
    apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }).catch(() => ({ items: [] }))
  ]).catch((cause) => pageError(event, cause));
  return {
    policy,
    overrides: overrides.items,
    suppliers: suppliers.items.map(({ id, name }) => ({ id, name })),
    canEdit: event.locals.ability.can('update', 'Policy')
  };
};

const invalid = (errors: { path: string; message: string }[]): Problem => ({ type: 'about:blank', title: 'Please check the form', status: 400, errors });

/** A whole number of days as a number; anything else as typed, for the API to refuse at its field. */
function days(value: string): number | string {
  return /^\d{1,4}$/.test(value) ? Number(value) : value;
}

/** A price limit is a percent and an amount together: both, or (for a supplier) neither. */
function priceLimit(value: (name: string) => string, side: 'priceUpper' | 'priceLower') {
  const percent = value(`${side}.percent`);
  const amount = value(`${side}.amount`);
  return { percent, amount, given: !!percent || !!amount, complete: !!percent && !!amount };
}

function refused(event: RequestEvent, cause: unknown, extra: { form: 'policy' | 'supplier' | 'remove' }) {
  if (cause instanceof ApiError) return fail(cause.status, { ...extra, problem: cause.problem });
  return actionFailure(event, cause, extra);
}

export const actions: Actions = {
  save: async (event) => {
    const form = await event.request.formData();
    const value = (name: string) => formText(form, name).trim();
    const upper = priceLimit(value, 'priceUpper');
    const lower = priceLimit(value, 'priceLower');
    const body = {
      quantityPercent: value('quantityPercent'),
      priceUpper: { percent: upper.percent, amount: upper.amount },
      priceLower: { percent: lower.percent, amount: lower.amount },
      header: value('header'),
      autoApproveLimit: value('autoApproveLimit'),
      goodsWaitDays: days(value('goodsWaitDays')),
      creditNoteWaitDays: days(value('creditNoteWaitDays')),
      duplicateWindowDays: days(value('duplicateWindowDays')),
      futureDateDays: days(value('futureDateDays'))
    };
    try {
      await apiFetch(event, '/policies/matching', { method: 'PUT', body, schema: matchingPolicySchema });
      return { done: 'policy' };
    } catch (cause) {
      return refused(event, cause, { form: 'policy' });
    }
  },

  /** A supplier's own tolerances: what is filled in replaces the company's, what is blank follows it. */
  saveSupplier: async (event) => {
    const form = await event.request.formData();
    const value = (name: string) => formText(form, name).trim();
    const supplierId = value('supplierId');
    const upper = priceLimit(value, 'priceUpper');
    const lower = priceLimit(value, 'priceLower');
    const errors = [
      ...(isUuid(supplierId) ? [] : [{ path: 'supplierId', message: 'Choose the supplier.' }]),
      ...[upper, lower].flatMap((limit, index) => {
        const side = index === 0 ? 'priceUpper' : 'priceLower';
        if (!limit.given || limit.complete) return [];
        return [{ path: `${side}.${limit.percent ? 'amount' : 'percent'}`, message: 'A price limit is a percent and an amount per unit together; leave both blank to follow the company’s.' }];
      })
    ];
    const body = {
      ...(value('quantityPercent') ? { quantityPercent: value('quantityPercent') } : {}),
      ...(upper.complete ? { priceUpper: { percent: upper.percent, amount: upper.amount } } : {}),
      ...(lower.complete ? { priceLower: { percent: lower.percent, amount: lower.amount } } : {}),
      ...(value('header') ? { header: value('header') } : {})
    };
    if (!errors.length && Object.keys(body).length === 0) errors.push({ path: 'quantityPercent', message: 'Fill in at least one tolerance; to follow the company’s in everything, remove the override.' });
    if (errors.length) return fail(400, { form: 'supplier', problem: invalid(errors) });
    try {
      const saved = await apiFetch(event, `/policies/matching/suppliers/${encodeURIComponent(supplierId)}`, { method: 'PUT', body, schema: supplierTolerancesView });
      return { done: 'supplier', supplierName: saved.supplierName };
    } catch (cause) {
      return refused(event, cause, { form: 'supplier' });
    }
  },

  removeSupplier: async (event) => {
    const supplierId = formText(await event.request.formData(), 'supplierId');
    if (!isUuid(supplierId)) return fail(400, { form: 'remove', problem: invalid([{ path: 'supplierId', message: 'Choose the supplier.' }]) });
    try {
      await apiFetch(event, `/policies/matching/suppliers/${encodeURIComponent(supplierId)}`, { method: 'DELETE' });
      return { done: 'removed' };
    } catch (cause) {
      return refused(event, cause, { form: 'remove' });
    }
  }
};
