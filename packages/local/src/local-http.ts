import { randomBytes } from 'node:crypto';
import { createApiApp } from '@stint/functions/api/app';
import { createSessionAuth, createWebApp, createWebServices } from '@stint/web';
import type { LocalOptions } from './local-options.ts';
import type { LocalStack } from './local-stack.ts';

/**
 * The HTTP side of the local stack: the api and the monitor, composed as the Lambda handler
 * composes them. Sessions are signed with a secret made at each start, so they end with it.
 */
export function createLocalHttpApp(stack: LocalStack, options: LocalOptions) {
  const auth = { adminToken: options.adminToken };
  const web = createWebServices({
    engine: stack.runtime.engine,
    clients: stack.clients,
    config: stack.runtime.config,
    auth,
    sessionSecret: randomBytes(32).toString('base64url'),
    onUnexpectedError: (error) => console.error('monitor:', error),
  });
  const app = createApiApp({
    engine: stack.runtime.engine,
    clients: stack.clients,
    config: stack.runtime.config,
    auth,
    sessionAuth: createSessionAuth(web),
    rateLimit: false,
    onUnexpectedError: (error) => console.error('api:', error),
  });
  app.route('/', createWebApp(web));
  return app;
}
