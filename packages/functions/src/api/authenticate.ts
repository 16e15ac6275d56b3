import type { MiddlewareHandler } from 'hono';
import type { Authenticator } from '@stint/core/auth/authenticator';
import type { ApiEnv } from './api-env.ts';

/** Every /api route but none outside it (`/health`) needs a principal. */
export function authenticate(authenticator: Authenticator): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = await authenticator.authenticate({ authorization: c.req.header('authorization'), apiKey: c.req.header('x-api-key') });
    c.set('principal', principal);
    await next();
  };
}
