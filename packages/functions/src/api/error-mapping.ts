import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { BadRequestError, RateLimitedError, StintError, type ErrorCode } from '@stint/core';

/** The one table from error code to HTTP status. */
export const STATUS_OF: Record<ErrorCode, ContentfulStatusCode> = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  timeout: 408,
  conflict: 409,
  rateLimited: 429,
  // A lost lease is the worker's business; if one ever reaches the api it was a lost race.
  leaseLost: 409,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** `app.onError`: every failure leaves the api as `{ error: { code, message, field? } }`. */
export function createErrorHandler(onUnexpected?: (error: unknown, c: Context) => void) {
  return (error: unknown, c: Context): Response => {
    const known = toStintError(error);
    if (known) {
      const code = known.code === 'leaseLost' ? 'conflict' : known.code;
      const field = known instanceof BadRequestError ? known.field : (known.details?.field as string | undefined);
      if (known instanceof RateLimitedError) c.header('Retry-After', String(known.retryAfterSeconds));
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
 * Zod issues (request validation) and Hono's own exceptions (malformed JSON, wrong media type)
 * become the core's errors, so they map through the same table.
 */
export function toStintError(error: unknown): StintError | null {
  if (error instanceof StintError) return error;
  if (error instanceof ZodError) return fromZod(error);
  if (error instanceof HTTPException) {
    if (error.status === 400 || error.status === 415) {
      const message = error.status === 415 ? 'the body must be JSON (Content-Type: application/json)' : 'the body is not valid JSON';
      return new BadRequestError(message, 'body');
    }
  }
  return null;
}

/** The first issue names the field: `runBy.name`, `ids.3`, or the unknown key of a strict object. */
export function fromZod(error: ZodError): BadRequestError {
  const issue = error.issues[0];
  if (issue === undefined) return new BadRequestError('invalid request', 'body');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const field = [...path, issue.keys[0] ?? ''].join('.');
    return new BadRequestError(`unknown field "${field}"`, field);
  }
  const field = path.length > 0 ? path.join('.') : 'body';
  return new BadRequestError(`${field}: ${issue.message}`, field);
}

/** OpenAPIHono's `defaultHook`: a failed validation throws, so `onError` answers it like any other 400. */
export function validationHook(result: { success: boolean; error?: unknown }): void {
  if (!result.success) throw result.error instanceof ZodError ? fromZod(result.error) : new BadRequestError('invalid request', 'body');
}
