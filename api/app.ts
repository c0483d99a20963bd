import { ForbiddenError } from '@casl/ability';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './context.ts';
import type { ApiDeps } from './deps.ts';
import { AppError, problemOf, type ErrorKind } from './errors.ts';
import { authenticate } from './middleware/authenticate.ts';
import { csrfProtection } from './middleware/csrf.ts';
import { jsonBodyGuard, queryTextGuard } from './middleware/request-text.ts';
import { allowedMethods } from './middleware/methods.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requestContext } from './middleware/request-context.ts';
import { actionLinkRoutes } from './routes/action-links.ts';
import { invoiceRoutes } from './routes/invoices.ts';
import { purchaseOrderRoutes } from './routes/purchase-orders.ts';
import { auditRoutes } from './routes/audit.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { authRoutes } from './routes/auth.ts';
import { mountDocs } from './routes/docs.ts';
import { healthRoutes } from './routes/health.ts';
import { meRoutes } from './routes/me.ts';
import { policyRoutes } from './routes/policies.ts';
import { reportRoutes } from './routes/reports.ts';
import { retentionRoutes } from './routes/retention.ts';
import { personalDataRoutes } from './routes/personal-data.ts';
import { processRoutes } from './routes/processes.ts';
import { requisitionRoutes } from './routes/requisitions.ts';
import { taskRoutes } from './routes/tasks.ts';
import { supplierRoutes } from './routes/suppliers.ts';
import { userRoutes } from './routes/users.ts';
import { isUnavailableError } from './unavailable.ts';
import { createServices } from './services/index.ts';

export const API_BASE = '/api/v1';

/** The Hono app behind /api/v1: middleware in the order a request meets it, then the routes. */
export function createApp(deps: ApiDeps) {
  const services = createServices(deps);
  const app = new OpenAPIHono<AppEnv>().basePath(API_BASE);

  app.use(requestContext(deps));
  app.use(
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'self'"], frameAncestors: ["'none'"], objectSrc: ["'none'"] },
      strictTransportSecurity: deps.config.publicUrl.startsWith('https:') ? 'max-age=31536000; includeSubDomains' : false,
    }),
  );
  app.use(rateLimit('ip', (vars) => vars.deps.config.RATE_LIMIT_PER_MINUTE));
  app.use(allowedMethods(() => app.routes));
  app.use(
    bodyLimit({
      maxSize: deps.config.BODY_LIMIT_BYTES,
      onError: () => {
        throw new AppError('payload_too_large', `The body may be at most ${deps.config.BODY_LIMIT_BYTES} bytes`);
      },
    }),
  );
  app.use(queryTextGuard());
  app.use(jsonBodyGuard());
  app.use(authenticate(services.auth));
  app.use(rateLimit('user', (vars) => vars.deps.config.RATE_LIMIT_PER_MINUTE));
  app.use(csrfProtection());

  app.route('/', healthRoutes());
  app.route('/', authRoutes(services));
  app.route('/', meRoutes(services));
  app.route('/', userRoutes(services));
  app.route('/', supplierRoutes(services));
  app.route('/', requisitionRoutes(services));
  app.route('/', purchaseOrderRoutes(services));
  app.route('/', invoiceRoutes(services));
  app.route('/', taskRoutes(services));
  app.route('/', policyRoutes(services));
  app.route('/', retentionRoutes(services));
  app.route('/', reportRoutes(services));
  app.route('/', personalDataRoutes(services));
  app.route('/', processRoutes(services));
  app.route('/', actionLinkRoutes(services));
  app.route('/', outboxRoutes());
  app.route('/', auditRoutes());
  mountDocs(app);

  app.notFound((c) => problem(c, new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => problem(c, toAppError(error, c)));
  return app;
}

export type App = ReturnType<typeof createApp>;


function toAppError(error: unknown, c: Context<AppEnv>): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ForbiddenError) return new AppError('forbidden', 'You may not do this');
  if (error instanceof HTTPException) {
    const kinds: Record<number, ErrorKind> = { 400: 'validation', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 413: 'payload_too_large', 415: 'unsupported_media_type' };
    return new AppError(kinds[error.status] ?? 'validation', error.message || undefined);
  }
  if (isUnavailableError(error)) {
    c.var.logger?.warn('dependency unavailable', { error: error as Error });
    return new AppError('unavailable', 'The database or the workflow engine is unreachable; retry shortly', { headers: { 'Retry-After': '5' } });
  }
  (c.var.logger ?? c.var.deps?.logger)?.error('unhandled error', { error: error instanceof Error ? error : new Error(String(error)) });
  return new AppError('internal', 'Something went wrong on our side; the request id identifies it in the logs');
}

function problem(c: Context<AppEnv>, error: AppError) {
  const body = problemOf(error.kind, error.detail, {
    instance: c.req.path,
    requestId: c.var.requestId,
    ...(error.options.errors ? { errors: error.options.errors } : {}),
    ...error.options.extra,
  });
  for (const [name, value] of Object.entries(error.options.headers ?? {})) c.header(name, value);
  if (c.var.requestId) c.header('x-request-id', c.var.requestId);
  return c.body(JSON.stringify(body), error.status as 400, { 'content-type': 'application/problem+json' });
}
