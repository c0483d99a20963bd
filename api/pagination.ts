/**
 * Keyset pages. A cursor is the id of the last item of the previous page:
 * the query compares the sort key with that row's, in SQL. Any id is a well
 * formed cursor (the schema says uuid, and that is the whole rule); one that
 * names no row gives an empty page. Fetch one row more than asked to know
 * whether another page exists.
 */
export function pageFrom<T>(rows: T[], limit: number, idOf: (last: T) => string) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? idOf(last) : null };
}
