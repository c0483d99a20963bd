import { apiFetch, pageError } from '$lib/server/api';
import { outboxMailWithBody } from '../mail';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const mail = await apiFetch(event, `/outbox/${encodeURIComponent(event.params.id)}`, { schema: outboxMailWithBody }).catch((cause) =>
    pageError(event, cause)
  );
  return { mail };
};
