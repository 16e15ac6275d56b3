import { createApi } from '@stint/functions/api/api';
import { createSessionAuth, createWebApp, createWebServices } from '@stint/web';
import type { LocalOptions } from './local-options.ts';
import { loadLocalSecrets } from './local-secrets.ts';
import type { LocalStack } from './local-stack.ts';

/**
 * The HTTP side of the local stack: the api and the monitor, composed as the Lambda handler
 * composes them, with the secrets from the data directory instead of Secrets Manager.
 */
export function createLocalHttpApp(stack: LocalStack, options: LocalOptions) {
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
  const app = createApi({
    engine: stack.runtime.engine,
    clients: stack.clients,
    config: stack.runtime.config,
    auth,
    sessionAuth: createSessionAuth(web),
    cursorSecret: secrets.sessionSecret,
    rateLimit: false,
    onUnexpectedError: (error) => console.error('api:', error),
  });
  app.route('/', createWebApp(web));
  return app;
}
