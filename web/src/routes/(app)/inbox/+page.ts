import type { PageLoad } from './$types';

/** The status tab and the filter live in the URL, so a filtered inbox can be linked and reloaded. */
export const load: PageLoad = ({ url }) => ({
  status: url.searchParams.get('status') === 'completed' ? ('completed' as const) : ('open' as const),
  query: url.searchParams.get('q') ?? ''
});
