import { error } from '@sveltejs/kit';
import { reportNames, reportTitles } from '@p2p/domain';
import { reportSummaries } from '$lib/reports';
import type { PageServerLoad } from './$types';

/** The reports' index: for those the API lets read reports (a manager reads their reports' spend only). */
export const load: PageServerLoad = ({ locals }) => {
  if (!locals.ability.can('read', 'Report')) error(403, 'Reports are for buyers, procurement managers, finance, accounting and audit.');
  // Names and titles come from the server: the domain's reports module is a zod module, kept out of the browser bundle.
  return { reports: reportNames.map((name) => ({ name, title: reportTitles[name], summary: reportSummaries[name] })) };
};
