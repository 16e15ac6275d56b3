/**
 * One error family for the whole core. Each error carries a dotted-free `code` that the
 * api maps to an HTTP status in one place (`app.onError`); tests match on `code`.
 */
export type ErrorCode =
  | 'badRequest'
  | 'notFound'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'timeout'
  | 'rateLimited'
  | 'tooLarge'
  | 'headersTooLarge'
  | 'leaseLost'
  | 'unavailable'
  | 'internal';

export class StintError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/** 400: the caller's input is malformed; `field` names the culprit. */
export class BadRequestError extends StintError {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super('badRequest', message, field === undefined ? undefined : { details: { field } });
    this.field = field;
  }
}

export class NotFoundError extends StintError {
  constructor(message: string) {
    super('notFound', message);
  }
}

/** 409: the operation is not allowed from the job's current status, or lost a race. */
export class ConflictError extends StintError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details === undefined ? undefined : { details });
  }
}

export class UnauthorizedError extends StintError {
  constructor(message = 'a valid API key or token is required') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends StintError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export class TimeoutError extends StintError {
  constructor(message: string) {
    super('timeout', message);
  }
}

export class RateLimitedError extends StintError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = `too many requests; retry in ${retryAfterSeconds} s`) {
    super('rateLimited', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * 503: DynamoDB kept refusing for capacity after the SDK's own retries (a hot partition key, or
 * the account's request rate). Nothing the caller sent was wrong and a write that was refused
 * did not happen, so the same request can be sent again after `retryAfterSeconds`.
 */
export class UnavailableError extends StintError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, options?: { cause?: unknown }) {
    super('unavailable', `the job store is over its capacity just now; retry in ${retryAfterSeconds} s`, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The request is larger than the api reads: a body (413, `tooLarge`) or a query string (431,
 * `headersTooLarge`). Refused before anything is parsed, so its size costs nothing.
 */
export class TooLargeError extends StintError {
  readonly field: 'body' | 'query';
  constructor(field: 'body' | 'query', message: string) {
    super(field === 'body' ? 'tooLarge' : 'headersTooLarge', message, { details: { field } });
    this.field = field;
  }
}

/**
 * A worker's conditional write found that it no longer holds the job's lease (force stop,
 * lease expiry taken over by another worker). The worker abandons the slice.
 */
export class LeaseLostError extends StintError {
  constructor(jobId: string) {
    super('leaseLost', `lease on job ${jobId} was revoked or taken over`);
  }
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * DynamoDB refused the request for capacity: a partition key past its share (the table's or an
 * index's) or the account's request rate. The SDK has retried it already (aws-clients.ts).
 */
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'UnprocessedItemsError']);

/** A batch request whose items DynamoDB kept leaving unprocessed (throttling) after every retry. */
export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
  constructor(readonly unprocessed: number) {
    super(`DynamoDB left ${unprocessed} items of a batch unprocessed after every retry (throttled)`);
  }
}

export function isThrottled(error: unknown): boolean {
  return error instanceof Error && THROTTLED.has(error.name);
}

/**
 * How long a caller refused for capacity waits: the SDK has already ridden out about 1.5 s of
 * refusals, so a hot key has stayed hot a while; DynamoDB's adaptive capacity takes seconds.
 */
export const THROTTLED_RETRY_AFTER_SECONDS = 2;

/** A throttled store request as the error a caller sees (503 and Retry-After), or null for any other. */
export function unavailableOf(error: unknown): UnavailableError | null {
  return isThrottled(error) ? new UnavailableError(THROTTLED_RETRY_AFTER_SECONDS, { cause: error }) : null;
}
