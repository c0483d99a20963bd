import { pageOf, userSchema } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

/** The API decides who may list users (admins and auditors); anyone else gets its 403 as the error page. */
export const load: PageServerLoad = async (event) => {
  const cursor = event.url.searchParams.get('cursor');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const users = await apiFetch(event, `/users?${query}`, { schema: pageOf(userSchema) }).catch((cause) =>
    pageError(event, cause)
  );
  return { users, cursor };
};
