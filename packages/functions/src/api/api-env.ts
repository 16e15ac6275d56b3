import type { Principal } from '@stint/core/auth/principal';

/** Hono context variables every /api route can read once the auth middleware ran. */
export interface ApiEnv {
  Variables: { principal: Principal };
}
