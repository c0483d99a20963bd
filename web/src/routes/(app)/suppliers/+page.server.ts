import { z } from 'zod';
import { pageOf, supplierSchema } from '@p2p/domain';
import { actionFailure, apiFetch, pageError } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';
import { formText } from '$lib/server/form';

const PAGE_SIZE = 25;

export const load: PageServerLoad = async (event) => {
  const cursor = event.url.searchParams.get('cursor');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const suppliers = await apiFetch(event, `/suppliers?${query}`, { schema: pageOf(supplierSchema) }).catch((cause) =>
    pageError(event, cause)
  );
  return { suppliers, cursor };
};

export const actions: Actions = {
  create: async (event) => {
    const form = await event.request.formData();
    const values = {
      name: formText(form, 'name'),
      email: formText(form, 'email'),
      paymentTermsDays: formText(form, 'paymentTermsDays')
    };
    try {
      // The API validates with the domain's createSupplierBody and names each invalid field.
      const created = await apiFetch(event, '/suppliers', {
        method: 'POST',
        body: { ...values, paymentTermsDays: values.paymentTermsDays === '' ? undefined : Number(values.paymentTermsDays) },
        schema: z.object({ id: z.string() })
      });
      return { created: { id: created.id, name: values.name.trim() } };
    } catch (cause) {
      return actionFailure(event, cause, { values });
    }
  }
};
