import { OpenAPIHono } from '@hono/zod-openapi';
import { problemSchema } from '@p2p/domain';
import type { z } from 'zod';
import type { AppEnv } from './context.ts';
import { AppError, errorKinds, type ErrorKind } from './errors.ts';

/** Request body helper: JSON, required (so a wrong Content-Type is a 415, not silently skipped). */
export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  ...(description ? { description } : {}),
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** The problem+json answers a route can give, for the OpenAPI document. */
export function problemResponses(...kinds: ErrorKind[]) {
  const all: ErrorKind[] = ['validation', 'unauthenticated', 'rate_limited', 'unavailable', ...kinds];
  return Object.fromEntries(
    all.map((kind) => [
      errorKinds[kind].status,
      { description: errorKinds[kind].title, content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );
}

/** A router whose validation failures become problem+json naming each invalid field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const where = result.target === 'json' ? '' : `${result.target}.`;
      const errors = result.error.issues.map((issue) => {
        const path = issue.path.map(String).join('.');
        const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
        return {
          path: `${where}${unknownKeys ? (path ? `${path}.` : '') + unknownKeys : path || '(body)'}`,
          message: issue.message,
        };
      });
      throw new AppError('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    },
  });
}
