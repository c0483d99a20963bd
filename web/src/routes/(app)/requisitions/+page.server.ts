import { pageOf, requisitionStatuses, requisitionSummarySchema, type RequisitionStatus } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import { namesOf } from '$lib/server/people';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/**
 * Requisitions the caller may read, newest first. Requesters start on their
 * own ("mine"); people who read others' (managers, procurement, audit) can
 * switch to everything they may see. Filters live in the URL.
 */
export const load: PageServerLoad = async (event) => {
  const { url, locals } = event;
  const canCreate = locals.ability.can('create', 'Requisition');
  const scope = (url.searchParams.get('scope') ?? (canCreate ? 'mine' : 'all')) === 'mine' ? ('mine' as const) : ('all' as const);
  const statusParam = url.searchParams.get('status') ?? '';
  const status = (requisitionStatuses as readonly string[]).includes(statusParam) ? (statusParam as RequisitionStatus) : null;
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
  const cursor = url.searchParams.get('cursor');

  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (scope === 'mine') query.set('mine', 'true');
  if (status) query.set('status', status);
  if (q) query.set('q', q);
  if (cursor) query.set('cursor', cursor);

  const requisitions = await apiFetch(event, `/requisitions?${query}`, { schema: pageOf(requisitionSummarySchema) }).catch((cause) =>
    pageError(event, cause)
  );
  const names = scope === 'all' ? await namesOf(event, requisitions.items.map((item) => item.requesterId)) : {};
  return { requisitions, names, scope, status, q, cursor, statuses: [...requisitionStatuses], canCreate };
};
