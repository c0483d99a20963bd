import { redirect } from '@sveltejs/kit';
import { loginUrl } from '$lib/server/api';
import { config } from '$lib/server/config';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, url }) => {
  // hooks already sends anonymous requests to /login; this narrows the type for every page below.
  if (!locals.user) redirect(303, loginUrl(url));
  return { user: locals.user, rules: locals.rules, devMode: config().devMode };
};
