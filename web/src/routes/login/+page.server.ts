import { fail, redirect } from '@sveltejs/kit';
import { loginResponse } from '@p2p/domain';
import { ApiError, apiFetch, safeNext } from '$lib/server/api';
import { setSessionCookie } from '$lib/server/session';
import type { Actions } from './$types';
import { formText } from '$lib/server/form';

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const email = formText(form, 'email').trim();
    const password = formText(form, 'password');
    if (!email || !password) {
      return fail(400, { email, message: 'Enter your e-mail address and password.' });
    }

    let token: string;
    try {
      ({ token } = await apiFetch(event, '/auth/login', {
        method: 'POST',
        body: { email, password },
        schema: loginResponse,
        token: null
      }));
    } catch (cause) {
      if (!(cause instanceof ApiError)) throw cause;
      // 401 bad credentials, 423 locked (detail says until when), 429 rate limited.
      return fail(cause.status, { email, message: loginMessage(cause) });
    }

    setSessionCookie(event, token);
    redirect(303, safeNext(event.url.searchParams.get('next')));
  }
};

function loginMessage(cause: ApiError): string {
  const { status, detail } = cause.problem;
  if (status === 401) return detail ?? 'The e-mail address or password is not correct.';
  if (status === 429) return detail ?? 'Too many sign-in attempts. Please wait a moment and try again.';
  return detail ?? cause.problem.title;
}
