import { paymentRunSchema } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import { namesOf } from '$lib/server/people';
import type { PageServerLoad } from './$types';

/** One payment run: when and under which reference it paid, and each invoice it paid with its amount. */
export const load: PageServerLoad = async (event) => {
  const run = await apiFetch(event, `/payment-runs/${encodeURIComponent(event.params.id)}`, { schema: paymentRunSchema }).catch((cause) => pageError(event, cause));
  const names = await namesOf(event, [run.createdById]);
  return { run, createdBy: names[run.createdById] ?? null };
};
