/**
 * Every failed call throws a StintClientError carrying the server's error code (the codes of
 * the seeds' `sys.exceptions.getCode`: badRequest, notFound, conflict, timeout, ...), the
 * HTTP status, and for badRequest the field at fault.
 */
export class StintClientError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field: string | undefined;
  /** Seconds to wait, for rateLimited. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, status: number, options: { field?: string | undefined; retryAfterSeconds?: number | undefined } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** waitForJob ran out of time: `code` is `timeout`, as `sys.jobs.waitForJob` throws. */
export class TimeoutError extends StintClientError {
  constructor(message: string, status = 408) {
    super('timeout', message, status);
  }
}

/** Builds the error of a non-2xx response from its `{ error: { code, message, field? } }` body. */
export async function errorFromResponse(response: Response): Promise<StintClientError> {
  let body: { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined;
  try {
    body = (await response.json()) as typeof body;
  } catch {
    body = undefined;
  }
  const code = typeof body?.error?.code === 'string' ? body.error.code : `http${response.status}`;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${response.status} ${response.statusText}`;
  const field = typeof body?.error?.field === 'string' ? body.error.field : undefined;
  if (code === 'timeout') return new TimeoutError(message, response.status);
  const retryAfter = Number(response.headers.get('retry-after'));
  return new StintClientError(code, message, response.status, {
    field,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  });
}
