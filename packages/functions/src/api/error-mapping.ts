import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { badInput, BadRequestError, type ErrorCode, RateLimitedError, StintError, UnavailableError, unavailableOf } from '@stint/core';

/** The one table from error code to HTTP status. */
export const STATUS_OF: Record<ErrorCode, ContentfulStatusCode> = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  timeout: 408,
  conflict: 409,
  tooLarge: 413,
  rateLimited: 429,
  headersTooLarge: 431,
  // A lost lease is the worker's business; if one ever reaches the api it was a lost race.
  leaseLost: 409,
  internal: 500,
  unavailable: 503,
};

/** The codes a caller can see (a lost lease answers as `conflict`). */
export const PUBLIC_ERROR_CODES = Object.keys(STATUS_OF).filter((code) => code !== 'leaseLost') as Array<Exclude<ErrorCode, 'leaseLost'>>;

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** `api.onError`: every failure leaves the api as `{ error: { code, message, field? } }`. */
export function createErrorHandler(onUnexpected?: (error: unknown, c: Context) => void) {
  return (error: unknown, c: Context): Response => {
    const known = toStintError(error);
    if (known) {
      const code = known.code === 'leaseLost' ? 'conflict' : known.code;
      const field = known instanceof BadRequestError ? known.field : (known.details?.field as string | undefined);
      if (known instanceof RateLimitedError || known instanceof UnavailableError) c.header('Retry-After', String(known.retryAfterSeconds));
      return c.json(errorBody(code, known.message, field), STATUS_OF[known.code]);
    }
    onUnexpected?.(error, c);
    // The cause goes to the logs, never to the caller: stacks and AWS messages leak internals.
    return c.json(errorBody('internal', 'internal error'), 500);
  };
}

export function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: { code, message, ...(field !== undefined ? { field } : {}) } };
}

/**
 * Hono's own exceptions (malformed JSON, wrong media type) and DynamoDB's capacity refusals
 * become the core's errors, so they map through the same table and read like every other
 * refusal: a throttled read is the store's state, not a fault of the api, and answers 503.
 */
export function toStintError(error: unknown): StintError | null {
  if (error instanceof StintError) return error;
  const unavailable = unavailableOf(error);
  if (unavailable) return unavailable;
  if (error instanceof HTTPException) {
    if (error.status === 415) return new BadRequestError('body must be JSON, sent with Content-Type: application/json; got another media type', 'body');
    if (error.status === 400) return new BadRequestError('body must be valid JSON; got text that does not parse', 'body');
  }
  return null;
}

/**
 * OpenAPIHono's `defaultHook`: a failed validation of a path parameter or a JSON body throws
 * the 400 of its first issue, worded like every other refusal, so `onError` answers it.
 * (Query strings are read by the route's query policy, before the validators.)
 */
export function validationHook(result: { success: boolean; error?: unknown; data?: unknown; target?: string }): void {
  if (result.success) return;
  if (!(result.error instanceof ZodError)) throw new BadRequestError('the request is not valid', 'body');
  throw badInput(result.error.issues, { kind: result.target === 'json' ? 'field' : 'parameter', input: result.data });
}
