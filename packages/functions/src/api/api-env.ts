import type { Principal } from '@stint/core/auth';

/** Hono context variables every /api route can read once the auth middleware ran. */
export interface ApiEnv {
  Variables: { principal: Principal };
}
