import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { completeDocument } from '../openapi-document.ts';
import { problem } from '../openapi.ts';

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Procurement API reference</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css"></head>
<body><div id="reference"></div>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/assets/init.js"></script></body></html>`;

const init = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#reference', deepLinking: true });`;

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate, and a browsable reference served offline. */
export function mountDocs(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'Session token from /auth/login or a personal API token' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'p2p_session' });
  app.openAPIRegistry.register('Problem', problem);
  // Generated once, on the first request, when every route is registered.
  let document: string | undefined;
  app.get('/openapi.json', (c) => {
    document ??= JSON.stringify(
      completeDocument(
        app.getOpenAPI31Document({
          openapi: '3.1.0',
          info: {
            title: 'Procurement process platform API',
            version: '1.0.0',
            description: 'Requisitions, approvals, purchase orders, receipts, invoices and audit. Errors are RFC 9457 problem+json naming each invalid field; a body that matches its schema but breaks a rule beyond it is a 422. Strings are Unicode text the database can store: U+0000 and unpaired surrogates are refused (400).',
          },
          security: [{ bearer: [] }, { session: [] }],
        }) as unknown as Record<string, unknown>,
      ),
    );
    return c.body(document, 200, { 'content-type': 'application/json; charset=utf-8' });
  });
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/assets/init.js', (c) => c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = assets[file];
    if (!type) return c.notFound();
    return c.body(await readFile(join(swaggerDir, file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
