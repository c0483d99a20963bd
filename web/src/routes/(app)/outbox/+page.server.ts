import { pageOf } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import { outboxMail } from './mail';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

/** The dev outbox: every mail the system sent, newest first. The API decides who may read it. */
export const load: PageServerLoad = async (event) => {
  const cursor = event.url.searchParams.get('cursor');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const mails = await apiFetch(event, `/outbox?${query}`, { schema: pageOf(outboxMail) }).catch((cause) => pageError(event, cause));
  return { mails, cursor };
};
