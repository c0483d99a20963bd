import type { MiddlewareHandler } from 'hono';
import type { RouterRoute } from 'hono/types';
import type { AppEnv } from '../context.ts';
import { AppError } from '../errors.ts';

interface PathMethods {
  pattern: RegExp;
  /** Path parameters in the pattern: a concrete path wins over a templated one. */
  params: number;
  methods: Set<string>;
}

/**
 * A known path asked with a method it does not have is a 405 naming the ones
 * it has in `Allow` (RFC 9110), never a 404 and never another route's answer.
 * Paths resolve as OpenAPI resolves them: a concrete path (/users/directory)
 * before a templated one (/users/{id}), so PATCH /users/directory is a 405
 * even though the router would hand it to PATCH /users/:id. GET brings HEAD,
 * which Hono answers from the GET route. The table is the app's own routes,
 * read on the first request, when every route is in.
 */
export function allowedMethods(routes: () => RouterRoute[]): MiddlewareHandler<AppEnv> {
  let table: PathMethods[] | undefined;
  const build = () => {
    const byPath = new Map<string, PathMethods>();
    for (const route of routes()) {
      if (route.method === 'ALL') continue;
      const entry = byPath.get(route.path) ?? {
        pattern: new RegExp(`^${route.path.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`),
        params: route.path.split('/').filter((part) => part.startsWith(':') || part === '*').length,
        methods: new Set<string>(),
      };
      entry.methods.add(route.method);
      if (route.method === 'GET') entry.methods.add('HEAD');
      byPath.set(route.path, entry);
    }
    return [...byPath.values()];
  };
  return async (c, next) => {
    table ??= build();
    const matches = table.filter((entry) => entry.pattern.test(c.req.path));
    if (matches.length === 0) return next();
    const fewest = Math.min(...matches.map((entry) => entry.params));
    const allowed = new Set(matches.filter((entry) => entry.params === fewest).flatMap((entry) => [...entry.methods]));
    if (allowed.has(c.req.method)) return next();
    const allow = [...allowed].sort().join(', ');
    throw new AppError('method_not_allowed', `${c.req.method} is not a method of ${c.req.path}; it answers ${allow}`, { headers: { Allow: allow } });
  };
}
