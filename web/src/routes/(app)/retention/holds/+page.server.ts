import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { legalHoldSchema, pageOf, projectSchema, retentionDryRunSchema, supplierSchema } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;
const scopes = ['record', 'supplier', 'project'] as const;

/**
 * Legal holds (SPEC 4.4): those in force and released ones, placing a hold
 * on a record (picked from the records due for review, or by class and id),
 * a supplier or a project, and releasing one with a reason.
 */
export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('read', 'LegalHold')) error(403, 'Legal holds are for records managers, administrators and auditors.');
  const cursor = event.url.searchParams.get('cursor');
  const status = event.url.searchParams.get('status');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  if (status === 'active' || status === 'released') query.set('status', status);
  const canPlace = event.locals.ability.can('create', 'LegalHold');
  const canReview = event.locals.ability.can('review', 'RetentionRecord');
  const [holds, suppliers, projects, due] = await Promise.all([
    apiFetch(event, `/retention/holds?${query}`, { schema: pageOf(legalHoldSchema) }),
    canPlace ? apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }) : { items: [] },
    canPlace ? apiFetch(event, '/projects', { schema: z.object({ items: z.array(projectSchema) }) }) : { items: [] },
    canReview ? apiFetch(event, '/retention/reviews', { method: 'POST', body: { dryRun: true, limit: 100 }, schema: retentionDryRunSchema }) : null
  ]).catch((cause) => pageError(event, cause));
  return {
    holds,
    cursor,
    status: status === 'active' || status === 'released' ? status : null,
    suppliers: suppliers.items.map(({ id, name }) => ({ id, name })),
    projects: projects.items.map(({ id, code, name }) => ({ id, label: `${code} ${name}` })),
    due,
    canPlace,
    canRelease: event.locals.ability.can('update', 'LegalHold')
  };
};

export const actions: Actions = {
  place: async (event) => {
    const form = await event.request.formData();
    const values = {
      scope: formText(form, 'scope'),
      recordClass: formText(form, 'recordClass'),
      recordId: formText(form, 'recordId').trim(),
      supplierId: formText(form, 'supplierId'),
      projectId: formText(form, 'projectId'),
      reason: formText(form, 'reason')
    };
    const scope = scopes.find((candidate) => candidate === values.scope) ?? 'record';
    // The API validates the body (one of three shapes) and names each invalid field.
    const body =
      scope === 'record'
        ? { recordClass: values.recordClass, recordId: values.recordId, reason: values.reason }
        : scope === 'supplier'
          ? { supplierId: values.supplierId, reason: values.reason }
          : { projectId: values.projectId, reason: values.reason };
    try {
      const hold = await apiFetch(event, '/retention/holds', { method: 'POST', body, schema: legalHoldSchema });
      return { placed: { id: hold.id, target: hold.target } };
    } catch (cause) {
      return actionFailure(event, cause, { form: 'place' as const, values });
    }
  },

  release: async (event) => {
    const form = await event.request.formData();
    const id = formText(form, 'id');
    const reason = formText(form, 'reason');
    try {
      const hold = await apiFetch(event, `/retention/holds/${encodeURIComponent(id)}/release`, { method: 'POST', body: { reason }, schema: legalHoldSchema });
      return { released: { id: hold.id, target: hold.target } };
    } catch (cause) {
      return actionFailure(event, cause, { form: 'release' as const, releaseId: id, reason });
    }
  }
};
