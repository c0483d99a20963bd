import { z } from '@hono/zod-openapi';
import { createRoute, createRouter, jsonResponse } from '../openapi.ts';

const check = z.object({ status: z.enum(['ok', 'down']), ms: z.number(), error: z.string().optional() });
const readiness = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.object({ database: check, temporal: check }) });

const live = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'health',
  tags: ['health'],
  security: [],
  summary: 'Liveness: the process answers',
  responses: { 200: jsonResponse(z.object({ status: z.literal('ok') }), 'Alive') },
});

const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  operationId: 'readiness',
  tags: ['health'],
  security: [],
  summary: 'Readiness: the database and Temporal answer',
  responses: { 200: jsonResponse(readiness, 'Ready'), 503: jsonResponse(readiness, 'A dependency is down') },
});

async function probe(run: () => Promise<void>, timeoutMs = 2_500): Promise<z.infer<typeof check>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok', ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'down', ms: Math.round(performance.now() - started), error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes() {
  const router = createRouter();
  router.openapi(live, (c) => c.json({ status: 'ok' as const }, 200));
  router.openapi(ready, async (c) => {
    const { database, temporal } = c.var.deps;
    const [db, engine] = await Promise.all([probe(() => database.ping()), probe(() => temporal.ping())]);
    const ok = db.status === 'ok' && engine.status === 'ok';
    return c.json({ status: ok ? ('ready' as const) : ('not_ready' as const), checks: { database: db, temporal: engine } }, ok ? 200 : 503);
  });
  return router;
}
