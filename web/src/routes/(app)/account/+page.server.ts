import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { apiTokenSchema, createdTokenSchema } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';
import { formText } from '$lib/server/form';

const tokenList = z.object({ items: z.array(apiTokenSchema) });

export const load: PageServerLoad = async (event) => {
  const tokens = await apiFetch(event, '/auth/tokens', { schema: tokenList }).catch((cause) => pageError(event, cause));
  return { tokens: tokens.items };
};

export const actions: Actions = {
  createToken: async (event) => {
    const name = formText(await event.request.formData(), 'name').trim();
    try {
      const created = await apiFetch(event, '/auth/tokens', { method: 'POST', body: { name }, schema: createdTokenSchema });
      // The secret goes back to this one response only; the API keeps just its hash.
      return { createdToken: { ...created, name } };
    } catch (cause) {
      return actionFailure(event, cause, { tokenName: name });
    }
  },
  revokeToken: async (event) => {
    const id = formText(await event.request.formData(), 'id');
    if (!id) return fail(400, { revokeProblem: 'No token was chosen.' });
    try {
      await apiFetch(event, `/auth/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
      return { revokedId: id };
    } catch (cause) {
      return actionFailure(event, cause);
    }
  }
};
