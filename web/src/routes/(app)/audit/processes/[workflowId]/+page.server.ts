import { pageError } from '$lib/server/api';
import { loadProcessHistory } from '$lib/server/processes';
import type { PageServerLoad } from './$types';

/** One process's merged history. The API answers 404 for a process the caller may not read: the not-found page. */
export const load: PageServerLoad = (event) => loadProcessHistory(event).catch((cause) => pageError(event, cause));
