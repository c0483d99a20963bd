import { OpenAPIHono, createRoute as createOpenApiRoute, z as openApiZod, type RouteConfig } from '@hono/zod-openapi';
import { problemSchema } from '@p2p/domain';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { AppEnv } from './context.ts';
import { AppError, errorKinds, type ErrorKind, type FieldError } from './errors.ts';
import { IDEMPOTENCY_KEY_PATTERN, idempotent } from './middleware/idempotency.ts';

/**
 * Problem details, one component in the document that every error answer
 * refers to. Built here from the domain's shape: a zod schema only has
 * `.openapi()` when it was made after @hono/zod-openapi loaded, and the
 * domain's may have been made before (it depends on who imported what first).
 */
export const problem = openApiZod.object(problemSchema.shape).openapi('Problem');

/** Request body helper: JSON, required (so a wrong Content-Type is a 415 and a missing body a 400, never silently `{}`). */
export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  ...(description ? { description } : {}),
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * The problem+json answers particular to a route (403, 404, 409, 410, 423...).
 * What every operation can answer (400, 401, 429, 431, 503, and 403, 404,
 * 413, 415, 422 where they apply) is added to the document by
 * completeDocument, from the same facts the middleware acts on.
 */
export function problemResponses(...kinds: ErrorKind[]) {
  return Object.fromEntries(kinds.map((kind) => [errorKinds[kind].status, { description: errorKinds[kind].title, content: { 'application/problem+json': { schema: problem } } }]));
}

/** `Idempotency-Key`, as documented and as the middleware checks it. */
const idempotencyKeyHeader = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN)
    .optional()
    .describe('Makes a retry safe: a repeat with the same key and body answers the first answer again (Idempotent-Replayed: true) and does nothing; another body with the key is a 422.'),
});

/** A required body must be there: without one the validator would see `{}` and let an all-optional schema pass. */
const requireBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if ((await c.req.arrayBuffer()).byteLength === 0) throw new AppError('validation', '(body): a JSON body is required', { errors: [{ path: '(body)', message: 'required' }] });
  return next();
};

/**
 * Every route is defined through here: it names its operation (links and
 * clients refer to it), and what its definition declares is what runs. A
 * required body is enforced; `idempotencyKey: true` documents the header and
 * installs the middleware that honours it, so the two cannot drift apart.
 */
export function createRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P; operationId: string }>(config: R & { idempotencyKey?: true }) {
  const { idempotencyKey, ...route } = config;
  const middleware: MiddlewareHandler<AppEnv>[] = [];
  if (route.request?.body?.required) middleware.push(requireBody);
  if (idempotencyKey) middleware.push(idempotent());
  const request = idempotencyKey ? { ...route.request, headers: idempotencyKeyHeader } : route.request;
  // What the middleware itself answers: 409 while the first request with the key runs, 422 for another body.
  const responses = idempotencyKey ? { ...problemResponses('conflict', 'idempotency_mismatch'), ...route.responses } : route.responses;
  return createOpenApiRoute({ ...route, responses, ...(request ? { request } : {}), ...(middleware.length > 0 ? { middleware } : {}) } as R);
}

/** A router whose validation failures become problem+json naming each invalid field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      const where = result.target === 'json' ? '' : `${result.target}.`;
      if (result.success) {
        const found = findUnstorable(result.data);
        if (found !== undefined) {
          const path = `${where}${found || '(body)'}`;
          throw new AppError('validation', `${path}: ${UNSTORABLE}`, { errors: [{ path, message: UNSTORABLE }] });
        }
        return;
      }
      const errors: FieldError[] = result.error.issues.map((issue) => {
        const path = issue.path.map(String).join('.');
        const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
        return {
          path: `${where}${unknownKeys ? (path ? `${path}.` : '') + unknownKeys : path || '(body)'}`,
          message: issue.message,
        };
      });
      // Only cross-field rules (domain withRules) raise custom issues, and only on a value that
      // matched its schema: such a request is well formed and breaks a rule the schema cannot state.
      const kind = result.error.issues.every((issue) => issue.code === 'custom') ? 'unprocessable' : 'validation';
      throw new AppError(kind, errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    },
  });
}

const UNSTORABLE = 'must not contain U+0000 or a lone surrogate (text the database cannot store)';

/** U+0000 (PostgreSQL text and jsonb refuse it) or half a surrogate pair (no UTF-8 encoding: it would be stored as U+FFFD). */
const unstorable = (text: string) => text.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

/**
 * Where a validated value holds text the database cannot store, in a string
 * or a key. One check here covers every query parameter, path parameter and
 * body of every route; the document states it (openapi-document.ts).
 */
function findUnstorable(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return unstorable(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorable(item, path ? `${path}.${index}` : String(index));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (unstorable(key)) return here;
      const found = findUnstorable(item, here);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
