import type { MiddlewareHandler } from 'hono';
import type { Authenticator } from '@stint/core/auth';
import type { ApiEnv } from './api-env.ts';

/**
 * Every /api route but none outside it (`/health`) needs a principal. A principal already set
 * by the monitor's session middleware (a signed-in page calling the api) stands.
 */
export function authenticate(authenticator: Authenticator): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!c.get('principal')) {
      c.set('principal', await authenticator.authenticate({ authorization: c.req.header('authorization'), apiKey: c.req.header('x-api-key') }));
    }
    await next();
  };
}
