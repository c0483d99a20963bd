import { error, type Cookies, type RequestEvent } from '@sveltejs/kit';
import { abilityFromPackedRules } from '@p2p/domain';
import { meResponse } from '$lib/me';
import { apiFetch, ApiError } from './api';

/** The browser's session cookie; its value is the API session token, sent on as a Bearer token. */
export const SESSION_COOKIE = 'p2p_session';

export function setSessionCookie(event: Pick<RequestEvent, 'cookies' | 'url'>, token: string): void {
  // No max-age: a browser session. The API decides how long the token itself lives.
  event.cookies.set(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: event.url.protocol === 'https:'
  });
}

export function clearSessionCookie(cookies: Cookies): void {
  cookies.delete(SESSION_COOKIE, { path: '/' });
}

/**
 * Fills locals from the cookie: the user and their CASL rules from GET /me.
 * A token the API no longer accepts clears the cookie; any other failure
 * (the API down) becomes an error page, because signing the person out would hide it.
 */
export async function loadSession(event: RequestEvent): Promise<void> {
  const { locals, cookies } = event;
  locals.sessionToken = cookies.get(SESSION_COOKIE) ?? null;
  locals.user = null;
  locals.rules = [];
  locals.ability = abilityFromPackedRules([]);
  if (!locals.sessionToken) return;

  try {
    const me = await apiFetch(event, '/me', { schema: meResponse });
    locals.user = me.user;
    locals.rules = me.rules;
    locals.ability = abilityFromPackedRules(me.rules);
  } catch (cause) {
    if (!(cause instanceof ApiError)) throw cause;
    // Anything but 401 (the API down, rate limited) is shown as it is, with its status.
    if (cause.status !== 401) error(cause.status, cause.problem.detail ?? cause.problem.title);
    locals.sessionToken = null;
    clearSessionCookie(cookies);
  }
}
