import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';
import { problemSchema, type Problem } from '@p2p/domain';
import { config } from './config';

/** The API answered with a problem (or could not be reached, reported as 503). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }
}

export type ApiEvent = Pick<RequestEvent, 'request' | 'locals' | 'getClientAddress' | 'platform'>;

interface ApiInit<T> {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Validates and types the answer; without it the body is ignored (204 answers). */
  schema?: z.ZodType<T>;
  /** Overrides the session token of `event.locals` (right after login, before locals know it). */
  token?: string | null;
  /** Further request headers (`Idempotency-Key`). */
  headers?: Record<string, string>;
}

/**
 * The one way the server side calls the API. Uses the global fetch, not
 * event.fetch: the API shares the app's origin, and Kit would route a
 * same-origin event.fetch back into itself instead of to the API.
 */
export async function apiFetch<T = undefined>(
  event: ApiEvent,
  path: `/${string}`,
  init: ApiInit<T> = {}
): Promise<T> {
  const headers = new Headers({ ...init.headers, accept: 'application/json, application/problem+json' });
  const token = init.token === undefined ? event.locals.sessionToken : init.token;
  if (token) headers.set('authorization', `Bearer ${token}`);
  // The API's audit log records the real client, not this server.
  headers.set('x-forwarded-for', event.getClientAddress());
  const userAgent = event.request.headers.get('user-agent');
  if (userAgent) headers.set('user-agent', userAgent);
  if (init.body !== undefined) headers.set('content-type', 'application/json');

  let response: Response;
  try {
    response = await fetch(`${apiBase(event)}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      redirect: 'manual'
    });
  } catch (cause) {
    console.error('API unreachable', path, cause);
    throw new ApiError({
      type: 'about:blank',
      title: 'Service unavailable',
      status: 503,
      detail: 'The service is not reachable right now. Please try again in a moment.'
    });
  }

  if (!response.ok) throw new ApiError(await readProblem(response));
  if (!init.schema) return undefined as T;
  return init.schema.parse(await response.json());
}

/**
 * INTERNAL_API_URL when set. Otherwise the API is served by this same Node
 * server, so call back on the port this request came in on: right even when
 * the server listens on an ephemeral port that no variable knows.
 */
function apiBase(event: ApiEvent): string {
  const { internalApiUrl, port } = config();
  return internalApiUrl ?? `http://127.0.0.1:${event.platform?.req.socket.localPort ?? port}`;
}

async function readProblem(response: Response): Promise<Problem> {
  const fallback: Problem = { type: 'about:blank', title: response.statusText || 'Error', status: response.status };
  const body: unknown = await response.json().catch(() => undefined);
  const parsed = problemSchema.safeParse(body);
  return parsed.success ? { ...parsed.data, status: response.status } : fallback;
}

/** `/login?next=<here>`, so signing in returns the person where they were. */
export function loginUrl(url: URL): string {
  const next = url.pathname + url.search;
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/** Only same-site paths: `next` must not become an open redirect. */
export function safeNext(next: string | null, fallback = '/inbox'): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}

/** For load functions: a refusal becomes the matching error page; an expired session goes back to sign-in. */
export function pageError(event: Pick<RequestEvent, 'url'>, cause: unknown): never {
  if (cause instanceof ApiError) {
    if (cause.status === 401) redirect(303, loginUrl(event.url));
    error(cause.status, cause.problem.detail ?? cause.problem.title);
  }
  throw cause;
}

/**
 * For form actions: a refusal is shown next to the form, with what was typed
 * (`extra`) so nothing has to be entered twice; anything else is a real error.
 */
export function actionFailure<E extends Record<string, unknown> = Record<never, never>>(
  event: Pick<RequestEvent, 'url'>,
  cause: unknown,
  extra: E = {} as E
) {
  if (cause instanceof ApiError) {
    if (cause.status === 401) redirect(303, loginUrl(event.url));
    return fail(cause.status, { ...extra, problem: cause.problem });
  }
  throw cause;
}
