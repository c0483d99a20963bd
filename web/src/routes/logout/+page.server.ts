import { redirect } from '@sveltejs/kit';
import { apiFetch } from '$lib/server/api';
import { clearSessionCookie } from '$lib/server/session';
import type { Actions, PageServerLoad } from './$types';

/** Signing out is a POST (a link must not sign anyone out); a GET just goes home. */
export const load: PageServerLoad = () => redirect(303, '/inbox');

export const actions: Actions = {
  default: async (event) => {
    if (event.locals.sessionToken) {
      // The cookie goes regardless: a failed revoke must not keep the person signed in here.
      await apiFetch(event, '/auth/logout', { method: 'POST' }).catch((cause: unknown) => {
        console.warn('logout: API did not revoke the session', cause);
      });
    }
    clearSessionCookie(event.cookies);
    redirect(303, '/login');
  }
};
