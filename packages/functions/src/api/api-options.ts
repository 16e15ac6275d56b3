import type { MiddlewareHandler } from 'hono';
import type { AwsClients, Engine, StintConfig } from '@stint/core';
import type { OidcOptions } from '@stint/core/auth';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit.ts';

export interface ApiLimits {
  /** Rows a CSV export answers in the response; a larger one runs as an EXPORT_JOBS job. */
  exportInlineRows: number;
  /** Bytes likewise: a buffered Lambda response may not exceed 6 MB. */
  exportInlineBytes: number;
  /** Jobs clear-inactive deletes within the request; more run as a CLEAR_INACTIVE job. */
  clearInlineJobs: number;
  /** Longest single wait request: API Gateway ends an integration at 30 s. */
  longPollMs: number;
  /** Lifetime of a download link. */
  downloadUrlSeconds: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  exportInlineRows: 10_000,
  exportInlineBytes: 4 * 1024 * 1024,
  clearInlineJobs: 200,
  longPollMs: 25_000,
  downloadUrlSeconds: 15 * 60,
};

export interface ApiOptions {
  engine: Engine;
  clients: Pick<AwsClients, 'dynamo' | 's3'>;
  config: Pick<StintConfig, 'tableName' | 'bucketName'>;
  auth?: { adminToken?: string | null; oidc?: OidcOptions | null };
  /**
   * Key material of the cursors the api hands out: the deployment's session secret, so every
   * instance (and the monitor beside it) opens every other's cursors. Without it the api makes
   * a key of its own, and its cursors work on this instance only (tests, a single process).
   */
  cursorSecret?: string;
  /** The monitor's session middleware: a signed-in page's cookie authenticates its api calls. */
  sessionAuth?: MiddlewareHandler;
  /** false turns rate limiting off (the local stack). */
  rateLimit?: RateLimitOptions | false;
  limits?: Partial<ApiLimits>;
  /** Errors answered as 500, for the handler's logger; the caller only sees `internal`. */
  onUnexpectedError?: (error: unknown) => void;
}

export const RATE_LIMIT_ENV = { perSecond: 'STINT_RATE_LIMIT_PER_SECOND', burst: 'STINT_RATE_LIMIT_BURST' } as const;

/** Rate limit from the environment; unset variables keep the defaults. */
export function rateLimitFromEnv(env: Record<string, string | undefined>): RateLimitOptions {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    perSecond: number(RATE_LIMIT_ENV.perSecond, DEFAULT_RATE_LIMIT.perSecond),
    burst: number(RATE_LIMIT_ENV.burst, DEFAULT_RATE_LIMIT.burst),
  };
}
