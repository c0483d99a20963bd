import { error, redirect } from '@sveltejs/kit';
import { pageOf, retentionReviewStartedSchema, retentionReviewSummarySchema } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/**
 * The report of retention reviews (SPEC 4.4): each review, nightly or
 * started by hand, with how many of its records were disposed, extended,
 * held or still wait; records managers and admins start one now.
 */
export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('read', 'RetentionRecord')) error(403, 'Retention reviews are for records managers, administrators and auditors.');
  const cursor = event.url.searchParams.get('cursor');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const reviews = await apiFetch(event, `/retention/reviews?${query}`, { schema: pageOf(retentionReviewSummarySchema) }).catch((cause) => pageError(event, cause));
  return { reviews, cursor, canStart: event.locals.ability.can('review', 'RetentionRecord') };
};

export const actions: Actions = {
  start: async (event) => {
    let started: { id: string };
    try {
      started = await apiFetch(event, '/retention/reviews', { method: 'POST', body: {}, schema: retentionReviewStartedSchema });
    } catch (cause) {
      return actionFailure(event, cause);
    }
    // The review's workflow writes its record a moment later: its page waits for it.
    redirect(303, `/retention/reviews/${encodeURIComponent(started.id)}?started`);
  }
};
