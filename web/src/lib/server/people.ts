import { z } from 'zod';
import { userSchema } from '@p2p/domain';
import { apiFetch, type ApiEvent } from './api';

const directoryPage = z.object({ items: z.array(userSchema.pick({ id: true, name: true, email: true, roles: true, department: true })) });
export type DirectoryEntry = z.infer<typeof directoryPage>['items'][number];

/** Enough for a mid-sized company's active colleagues in one call; the rest are looked up one by one. */
const DIRECTORY_LIMIT = 100;

/**
 * Names for user ids, as far as the caller may know them: the directory
 * (active colleagues, open to every signed-in person) first, then the user
 * record for anyone it did not list (deactivated people the caller may still
 * read). An id nobody resolves is left out; pages fall back to the role.
 */
export async function namesOf(event: ApiEvent, ids: Iterable<string | null | undefined>): Promise<Record<string, string>> {
  const wanted = new Set([...ids].filter((id): id is string => !!id));
  const names: Record<string, string> = {};
  if (event.locals.user && wanted.has(event.locals.user.id)) names[event.locals.user.id] = event.locals.user.name;
  if (wanted.size === Object.keys(names).length) return names;

  const directory = await apiFetch(event, `/users/directory?limit=${DIRECTORY_LIMIT}`, { schema: directoryPage }).catch(() => ({ items: [] }));
  for (const person of directory.items) if (wanted.has(person.id)) names[person.id] = person.name;

  const missing = [...wanted].filter((id) => !(id in names));
  const found = await Promise.all(
    missing.map((id) => apiFetch(event, `/users/${encodeURIComponent(id)}`, { schema: userSchema }).catch(() => undefined))
  );
  for (const user of found) if (user) names[user.id] = user.name;
  return names;
}

/** People matching a search, for the delegate picker. */
export async function searchDirectory(event: ApiEvent, query: string, limit = 20): Promise<DirectoryEntry[]> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (query.trim()) params.set('q', query.trim());
  return (await apiFetch(event, `/users/directory?${params}`, { schema: directoryPage })).items;
}
