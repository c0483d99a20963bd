import { pageError } from '$lib/server/api';
import { loadProcessHistory } from '$lib/server/processes';
import type { PageServerLoad } from './$types';

/** The printable history: the same record as the timeline page, laid out for paper (or a PDF), signed with who printed it. */
export const load: PageServerLoad = async (event) => {
  const history = await loadProcessHistory(event).catch((cause) => pageError(event, cause));
  return { ...history, printedBy: event.locals.user?.name ?? null };
};
