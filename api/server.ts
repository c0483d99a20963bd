import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { App } from './app.ts';
import { API_BASE } from './app.ts';
import { problemOf } from './errors.ts';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export const webBuildHandler = fileURLToPath(new URL('../web/build/handler.js', import.meta.url));

/** The SvelteKit app built by adapter-node, or undefined when web/build is missing. */
export async function loadWebHandler(path = webBuildHandler): Promise<NodeHandler | undefined> {
  if (!existsSync(path)) return undefined;
  // adapter-node reads its settings from the environment when the handler is
  // imported. Without ORIGIN it would assume https and refuse every form post
  // over plain http as cross-site; take the protocol from a header that
  // startHttpServer fills in (a TLS proxy in front sets it to https).
  process.env.PROTOCOL_HEADER ??= 'x-forwarded-proto';
  const module = (await import(pathToFileURL(path).href)) as { handler: NodeHandler };
  return module.handler;
}

export interface HttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * One origin for both: /api/* goes to Hono, everything else to SvelteKit, so
 * the session cookie and CSRF origin checks hold for the web app and the API alike.
 */
export async function startHttpServer(params: { app: App; port: number; host?: string; web?: NodeHandler }): Promise<HttpServer> {
  const api = getRequestListener(params.app.fetch);
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === API_BASE || url.startsWith(`${API_BASE}/`) || url.startsWith('/api/') || !params.web) {
      void api(req, res);
      return;
    }
    req.headers['x-forwarded-proto'] ??= 'http';
    params.web(req, res, () => {
      res.statusCode = 404;
      res.end('Not found');
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(params.port, params.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : params.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A request Node's parser refuses never reaches a route: a request line or
 * headers beyond its limit (16 KiB), or bytes that are not HTTP. Node would
 * answer a bare 431 or 400; this answers problem+json like every other error
 * (the OpenAPI document lists 431 for every operation).
 */
function answerClientError(error: Error & { code?: string }, socket: Socket) {
  if (!socket.writable || (error.code === 'ECONNRESET' && !socket.bytesWritten)) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(tooLarge ? problemOf('request_header_too_large', 'The request line and headers may be at most 16 KiB') : problemOf('validation', 'The request is not valid HTTP'));
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/problem+json\r\nx-request-id: ${randomUUID()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
