import { redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { loginUrl, safeNext } from '$lib/server/api';
import { config } from '$lib/server/config';
import { loadSession } from '$lib/server/session';

/** Validate the environment at start-up, so a bad value stops the server at once. */
export const init: ServerInit = () => {
  config();
};

/** Reachable without a session: sign-in, sign-out, e-mail action links, suppliers' order links, and the API (which guards itself). */
function isPublic(pathname: string): boolean {
  return (
    pathname === '/login' ||
    pathname === '/logout' ||
    pathname.startsWith('/action/') ||
    pathname.startsWith('/supplier/') ||
    pathname === '/api' ||
    pathname.startsWith('/api/')
  );
}

export const handle: Handle = async ({ event, resolve }) => {
  const { pathname } = event.url;
  if (pathname !== '/api' && !pathname.startsWith('/api/')) await loadSession(event);

  if (!event.locals.user && !isPublic(pathname)) redirect(303, loginUrl(event.url));
  if (event.locals.user && pathname === '/login') {
    redirect(303, safeNext(event.url.searchParams.get('next')));
  }

  const response = await resolve(event);
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('x-frame-options', 'DENY');
  return response;
};

/** The one place unexpected errors are logged; the person sees a generic message and a reference. */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
  const errorId = crypto.randomUUID();
  if (status >= 500) console.error(`[${errorId}] ${event.request.method} ${event.url.pathname}`, error);
  return { message: status >= 500 ? 'Something went wrong on our side.' : message, errorId };
};
