import { retentionReviewSchema } from '@p2p/domain';
import { ApiError, apiFetch, pageError } from '$lib/server/api';
import { namesOf } from '$lib/server/people';
import type { PageServerLoad } from './$types';

/**
 * One retention review: each record it took up with the decision and what
 * came of it, and the tombstones of what it disposed. Right after "Start a
 * review now" the review's workflow may not have written it yet: the page
 * then says so and looks again.
 */
const noNames: Record<string, string> = {};

export const load: PageServerLoad = async (event) => {
  event.depends('app:retention-review');
  const starting = event.url.searchParams.has('started');
  try {
    const review = await apiFetch(event, `/retention/reviews/${encodeURIComponent(event.params.id)}`, { schema: retentionReviewSchema });
    // Who confirmed a second-stage disposal: the API names the decider and the approver, not the confirmer.
    const names = await namesOf(event, [...review.items.map((item) => item.confirmedById), ...review.tombstones.map((tombstone) => tombstone.confirmedById)]);
    return { review, names, starting };
  } catch (cause) {
    if (starting && cause instanceof ApiError && cause.status === 404) return { review: null, names: noNames, starting };
    return pageError(event, cause);
  }
};
