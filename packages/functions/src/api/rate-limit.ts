import type { MiddlewareHandler } from 'hono';
import { RateLimitedError } from '@stint/core';
import type { ApiEnv } from './api-env.ts';

export interface RateLimitOptions {
  /** Sustained requests per second per key. */
  perSecond: number;
  /** Requests a key may make at once after being idle. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perSecond: 20, burst: 100 };

/** Buckets kept; beyond this the least recently used go (a burst of one-off keys cannot grow memory). */
const MAX_BUCKETS = 10_000;

/**
 * Token bucket per principal. The buckets live in memory of one Lambda instance, which is
 * acceptable here: the limit protects DynamoDB from one runaway client, and concurrent
 * instances multiply it by at most the api's reserved concurrency (infra/spec.ts), which, with
 * the HTTP API stage's throttling, bounds all callers together. A shared limit would cost a
 * DynamoDB write per request, more than the reads it protects.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly options: RateLimitOptions,
    readonly clock: () => number = Date.now,
  ) {}

  /** Takes one token; returns 0 when granted, else the seconds until one is available. */
  take(key: string): number {
    const bucket = this.#refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.options.perSecond));
  }

  /** Takes tokens a request already used (it held the function); the bucket may go below zero, delaying what follows. */
  charge(key: string, tokens: number): void {
    if (tokens > 0) this.#refilled(key).tokens -= tokens;
  }

  #refilled(key: string): { tokens: number; at: number } {
    const now = this.clock();
    const { perSecond, burst } = this.options;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
    return bucket;
  }
}

/**
 * A request costs one token, plus one for each whole second it held the function. A long poll
 * (`/wait`, up to 25 s) then counts for what it occupies: a caller cannot keep dozens of
 * instances of the reserved concurrency waiting while paying for one request each.
 */
export function heldSeconds(startedAt: number, endedAt: number): number {
  return Math.max(0, Math.floor((endedAt - startedAt) / 1000));
}

export function rateLimit(buckets: TokenBuckets): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const key = c.get('principal').keyId;
    const retryAfter = buckets.take(key);
    if (retryAfter > 0) throw new RateLimitedError(retryAfter);
    const startedAt = buckets.clock();
    try {
      await next();
    } finally {
      buckets.charge(key, heldSeconds(startedAt, buckets.clock()));
    }
  };
}
