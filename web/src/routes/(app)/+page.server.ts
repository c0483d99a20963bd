import { dashboardSchema } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import type { PageServerLoad } from './$types';

/**
 * The home page: the dashboard of each view the person has (requester,
 * approver, buyer, accountant, finance director). Reloaded by the page when
 * a task event arrives (`app:dashboard`).
 */
export const load: PageServerLoad = async (event) => {
  event.depends('app:dashboard');
  const dashboard = await apiFetch(event, '/dashboard', { schema: dashboardSchema }).catch((cause) => pageError(event, cause));
  return { dashboard };
};
