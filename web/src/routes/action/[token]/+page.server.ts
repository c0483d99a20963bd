import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { actionLinkViewSchema, taskSchema, type Problem } from '@p2p/domain';
import { formText } from '$lib/server/form';
import { ApiError, apiFetch } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';

/**
 * E-mail action links, reachable without signing in (hooks leave /action/*
 * public). The link's token is the only credential: it goes to the API's
 * public action-link endpoints, never with the visitor's session (token: null),
 * so the API acts as the user the link names and nobody else.
 */
const linkView = actionLinkViewSchema;
const performed = z.object({ task: taskSchema, process: z.object({ id: z.string(), status: z.string() }) });

export type LinkRefusal = 'used' | 'expired' | 'decided' | 'invalid' | 'forbidden' | 'unavailable';

/** Why a link was refused, from the API's problem: its `reason` where it gives one, else the status. */
function refusalOf(problem: Problem): LinkRefusal {
  if (problem.reason === 'used' || problem.reason === 'expired' || problem.reason === 'decided') return problem.reason;
  if (problem.status === 410) return 'used';
  if (problem.status === 409) return 'decided';
  if (problem.status === 403) return 'forbidden';
  if (problem.status === 404 || problem.status === 400) return 'invalid';
  return 'unavailable';
}

const path = (token: string) => `/action-links/${encodeURIComponent(token)}` as const;

/** Looking changes nothing: mail scanners open links too. */
export const load: PageServerLoad = async (event) => {
  try {
    const link = await apiFetch(event, path(event.params.token), { token: null, schema: linkView });
    const signedInAs = event.locals.user && event.locals.user.id !== link.user.id ? event.locals.user.name : null;
    return { link, refusal: null, detail: null, signedInAs };
  } catch (cause) {
    if (!(cause instanceof ApiError)) throw cause;
    return { link: null, refusal: refusalOf(cause.problem), detail: cause.problem.detail ?? null, signedInAs: null };
  }
};

export const actions: Actions = {
  /** Confirming performs the action once, as the link's user; any refusal changes nothing. */
  default: async (event) => {
    const comment = formText(await event.request.formData(), 'comment').trim();
    try {
      // Looked up first for the name on the confirmation; the POST decides on its own.
      const link = await apiFetch(event, path(event.params.token), { token: null, schema: linkView });
      if (link.commentRequired && !comment) return fail(400, { missingComment: true, comment });
      const done = await apiFetch(event, path(event.params.token), { method: 'POST', token: null, body: comment ? { comment } : {}, schema: performed });
      return {
        done: {
          action: done.task.outcome ?? link.action,
          kind: link.task.kind,
          actorName: link.user.name,
          title: link.subject.title,
          typeLabel: link.subject.typeLabel,
          subjectUrl: link.subject.url ?? null,
          businessKey: done.task.businessKey,
          processStatus: done.process.status
        }
      };
    } catch (cause) {
      if (!(cause instanceof ApiError)) throw cause;
      // A missing or refused comment leaves the link unused: ask again on the same page.
      if ((cause.status === 400 || cause.status === 422) && cause.problem.errors?.some((error) => error.path === 'comment')) return fail(cause.status, { missingComment: true, comment });
      return fail(cause.status, { refusal: refusalOf(cause.problem), detail: cause.problem.detail ?? null });
    }
  }
};
