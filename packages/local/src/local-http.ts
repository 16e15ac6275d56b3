import { maxHeaderSize, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import { createApi } from '@stint/functions/api/api';
import { errorBody } from '@stint/functions/api/error-mapping';
import { createSessionAuth, createMonitorPages, createWebServices } from '@stint/web';
import type { LocalOptions } from './local-options.ts';
import { loadLocalSecrets } from './local-secrets.ts';
import type { LocalStack } from './local-stack.ts';

/**
 * The HTTP side of the local stack: the api and the monitor, composed as the Lambda handler
 * composes them, with the secrets from the data directory instead of Secrets Manager.
 */
export function createLocalHttpRouter(stack: LocalStack, options: LocalOptions) {
  const secrets = loadLocalSecrets(options);
  const auth = { adminToken: secrets.adminToken };
  const web = createWebServices({
    engine: stack.runtime.engine,
    clients: stack.clients,
    config: stack.runtime.config,
    auth,
    sessionSecret: secrets.sessionSecret,
    onUnexpectedError: (error) => console.error('monitor:', error),
  });
  const router = createApi({
    engine: stack.runtime.engine,
    clients: stack.clients,
    config: stack.runtime.config,
    auth,
    sessionAuth: createSessionAuth(web),
    cursorSecret: secrets.sessionSecret,
    rateLimit: false,
    onUnexpectedError: (error) => console.error('api:', error),
  });
  router.route('/', createMonitorPages(web));
  return router;
}

/**
 * Serves a router on this machine with @hono/node-server. A request Node's parser refuses before
 * the router sees it (headers past its 16 KB, malformed HTTP) gets a JSON error like every other
 * refusal, instead of Node's bare status line.
 */
export function serveLocalHttp(router: { fetch: (request: Request) => Response | Promise<Response> }, options: { port: number; hostname?: string }): Server {
  const server = serve({ fetch: router.fetch, port: options.port, hostname: options.hostname ?? '127.0.0.1' }) as Server;
  server.on('clientError', answerClientError);
  return server;
}

function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    tooLarge
      ? errorBody('headersTooLarge', `the request line and headers must be at most ${maxHeaderSize} bytes; got more`)
      : errorBody('badRequest', 'the request must be valid HTTP/1.1; got something the server cannot parse'),
  );
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}
