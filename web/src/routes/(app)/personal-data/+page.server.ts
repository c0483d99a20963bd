import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { erasureRequestSchema, erasureRequestStatuses, pageOf, supplierSchema, userSchema } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { personFrom } from '$lib/server/personal-data';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;
const directoryPage = z.object({ items: z.array(userSchema.pick({ id: true, name: true, email: true })) });

/**
 * Personal-data requests (SPEC 4.4, GDPR Art. 15 and 17): download everything
 * held about one person, file an erasure request (a records manager approves
 * it in the inbox), and follow the requests with their answers.
 */
export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('read', 'ErasureRequest')) error(403, 'Personal-data requests are for records managers, administrators and auditors.');
  const cursor = event.url.searchParams.get('cursor');
  const status = event.url.searchParams.get('status');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const statusFilter = erasureRequestStatuses.find((candidate) => candidate === status) ?? null;
  if (statusFilter) query.set('status', statusFilter);
  const canFile = event.locals.ability.can('create', 'ErasureRequest');
  const canExport = event.locals.ability.can('export', 'PersonalData');
  const [requests, people, suppliers] = await Promise.all([
    apiFetch(event, `/personal-data/erasure-requests?${query}`, { schema: pageOf(erasureRequestSchema) }),
    canFile || canExport ? apiFetch(event, '/users/directory?limit=100', { schema: directoryPage }) : { items: [] },
    canFile || canExport ? apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }) : { items: [] }
  ]).catch((cause) => pageError(event, cause));
  return {
    requests,
    cursor,
    status: statusFilter,
    people: people.items.map(({ id, name, email }) => ({ id, label: `${name} (${email})` })),
    suppliers: suppliers.items.map(({ id, name }) => ({ id, label: `Contact at ${name}` })),
    highlight: event.url.searchParams.get('request'),
    canFile,
    canExport
  };
};

export const actions: Actions = {
  erase: async (event) => {
    const form = await event.request.formData();
    const values = { person: formText(form, 'person'), reason: formText(form, 'reason') };
    try {
      // The API checks the person (422), open work (409) and the reason, and names each field.
      const request = await apiFetch(event, '/personal-data/erasure-requests', { method: 'POST', body: { ...personFrom(values.person), reason: values.reason }, schema: erasureRequestSchema });
      return { filed: { id: request.id, personLabel: request.personLabel } };
    } catch (cause) {
      return actionFailure(event, cause, { values });
    }
  }
};
