import { error } from '@sveltejs/kit';
import { pageOf, requisitionStatuses, supplierSchema, type Problem } from '@p2p/domain';
import { ApiError, apiFetch, pageError } from '$lib/server/api';
import { searchDirectory } from '$lib/server/people';
import { auditVerification, processFiltersOf, searchProcesses } from '$lib/server/processes';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/**
 * The auditor's search over every process the caller may read, newest first.
 * Filters live in the URL, so a search can be bookmarked and shared; a
 * refused filter (from after to) is shown above the form, not as an error page.
 */
export const load: PageServerLoad = async (event) => {
  const { locals, url } = event;
  if (!locals.ability.can('export', 'Process') && !locals.ability.can('verify', 'AuditLog')) {
    error(403, 'The audit workspace is for auditors.');
  }
  const filters = processFiltersOf(url);
  const cursor = url.searchParams.get('cursor');

  const [results, verification, people, suppliers] = await Promise.all([
    searchProcesses(event, filters, { limit: PAGE_SIZE, cursor }).catch((cause): { problem: Problem } => {
      // Filters the API refused (400: malformed; 422: `to` before `from`, an export too large) show beside the form.
      if (cause instanceof ApiError && (cause.status === 400 || cause.status === 422)) return { problem: cause.problem };
      return pageError(event, cause);
    }),
    auditVerification(event),
    searchDirectory(event, '', 100).catch(() => []),
    apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }).catch(() => ({ items: [] }))
  ]);

  return {
    filters,
    cursor,
    processes: 'problem' in results ? { items: [], nextCursor: null } : results,
    problem: 'problem' in results ? results.problem : null,
    verification,
    people: people.map(({ id, name, department }) => ({ id, name, department })).sort((a, b) => a.name.localeCompare(b.name)),
    suppliers: suppliers.items.map(({ id, name }) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
    statuses: [...requisitionStatuses],
    canExport: locals.ability.can('export', 'Process')
  };
};
