import { json } from '@sveltejs/kit';
import { accessExportSchema } from '@p2p/domain';
import { ApiError, apiFetch } from '$lib/server/api';
import { personFrom } from '$lib/server/personal-data';
import type { RequestHandler } from './$types';

/**
 * The access export (GDPR Art. 15) as a file to hand to the person: the API
 * decides who may export and writes the audit entry.
 */
export const GET: RequestHandler = async (event) => {
  const { personKind, personId } = personFrom(event.url.searchParams.get('person') ?? '');
  try {
    const query = new URLSearchParams({ personKind, personId });
    const exported = await apiFetch(event, `/personal-data/export?${query}`, { schema: accessExportSchema });
    const filename = `personal-data-${exported.personKind}-${exported.personId}.json`;
    return new Response(JSON.stringify(exported, null, 2), {
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'private, no-store' }
    });
  } catch (cause) {
    if (cause instanceof ApiError) return json(cause.problem, { status: cause.status });
    throw cause;
  }
};
