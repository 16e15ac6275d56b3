import type { JobContext } from './job-context.ts';
import { resolveAccess, type JobAccess } from './job-access.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time. Default 1 s. */
  backoffMs?: number;
  /** Upper bound of the delay (SQS allows at most 900 s). Default 60 s. */
  maxBackoffMs?: number;
}

/** Why a submission's data is refused: `field` is a path inside `data` (`fileName`, `query.city`). */
export interface DataProblem {
  field: string;
  message: string;
}

/**
 * How many jobs of a type may run at once per key (a customer, an account): `key` names the
 * key from a job's data, and at most `limit` jobs of the type with that key in the same
 * tenant run at a time. The others wait without blocking other keys or other work of their
 * root.
 */
export interface ConcurrencyLimit<TData> {
  limit: number;
  key: (data: TData) => string;
}

/** What `checkData` knows of the job a submission would make. */
export interface SubmittedJob {
  tenant: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the defaults let one registry hold definitions of every data and results type.
export interface JobDefinition<TData = any, TResults = any> {
  type: string;
  /** One line for the api's listing of job types and the OpenAPI document. */
  description?: string;
  /**
   * Who may start the type. Of a system type only `internal` counts; otherwise its rules are
   * Stint's own (admins by hand, the api's operations for the callers it lets run them).
   */
  access: JobAccess;
  /**
   * Checks a submission's data before the job is accepted, with the tenant the job would
   * belong to: a problem refuses it (400 naming `data.<field>`) and nothing is written.
   * Runs for every submission (api, intake, schedules), not for spawned children.
   */
  checkData?: (data: TData, job: SubmittedJob) => DataProblem | undefined;
  /** Graceful stop is honoured at step boundaries. A non-stoppable type stays STOPPING until it completes. */
  stoppable: boolean;
  /** A FINISHED job of this type may be restarted from scratch. */
  restartable: boolean;
  /**
   * A job of this type that ended with a failure may be retried: it replays from its
   * checkpoints and runs the failed step again (default true; false answers retry with 409).
   */
  retryable: boolean;
  /** System jobs are hidden from the monitor unless asked for. */
  system: boolean;
  retry: Required<RetryPolicy>;
  /**
   * The longest a job of this type may take, from its first start (sleeps, waits for children
   * and retries of its steps included, time stopped by an operator not; a retry or restart of
   * the job starts a new one). Past it the job ends with an ERROR line and `hasErrors`, its
   * unfinished descendants canceled.
   */
  timeoutMs?: number;
  /** At most `limit` jobs of this type per key run at once in a tenant (the key from each job's data). */
  concurrency?: ConcurrencyLimit<TData>;
  /** Human label for a new job when the submitter gives none. */
  label?: (data: TData) => string;
  run: (ctx: JobContext<TData, TResults>) => Promise<TResults | void>;
}

export interface DefineJobOptions<TData, TResults> {
  type: string;
  description?: string;
  /** Default: any writer may submit it, intake may not (`DEFAULT_ACCESS`). */
  access?: Partial<JobAccess>;
  checkData?: (data: TData, job: SubmittedJob) => DataProblem | undefined;
  stoppable?: boolean;
  restartable?: boolean;
  retryable?: boolean;
  system?: boolean;
  retry?: RetryPolicy;
  timeoutMs?: number;
  concurrency?: ConcurrencyLimit<TData>;
  label?: (data: TData) => string;
  run: (ctx: JobContext<TData, TResults>) => Promise<TResults | void>;
}

const TYPE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

export function defineJob<TData = Record<string, unknown>, TResults = Record<string, unknown>>(
  options: DefineJobOptions<TData, TResults>,
): JobDefinition<TData, TResults> {
  if (!TYPE_PATTERN.test(options.type)) {
    throw new TypeError(`job type "${options.type}" must match ${TYPE_PATTERN} (e.g. EXECUTE_ACTION)`);
  }
  const retry = options.retry ?? {};
  const maxAttempts = retry.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError(`retry.maxAttempts of ${options.type} must be a whole number ≥ 1`);
  }
  // A NaN or negative backoff would schedule the retry at once, or never (a NaN delay).
  for (const [name, value] of [
    ['backoffMs', retry.backoffMs],
    ['maxBackoffMs', retry.maxBackoffMs],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0))
      throw new TypeError(`retry.${name} of ${options.type} must be a whole number of ms ≥ 0`);
  }
  if (options.timeoutMs !== undefined && (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1)) {
    throw new TypeError(`timeoutMs of ${options.type} must be a whole number of ms ≥ 1`);
  }
  const { concurrency } = options;
  if (concurrency !== undefined) {
    if (!Number.isInteger(concurrency.limit) || concurrency.limit < 1) {
      throw new TypeError(`concurrency.limit of ${options.type} must be a whole number ≥ 1`);
    }
    if (typeof concurrency.key !== 'function') {
      throw new TypeError(`concurrency.key of ${options.type} must be a function from a job's data to its key`);
    }
  }
  return {
    type: options.type,
    ...(options.description ? { description: options.description } : {}),
    access: resolveAccess(options.type, options.access),
    ...(options.checkData ? { checkData: options.checkData } : {}),
    stoppable: options.stoppable ?? true,
    restartable: options.restartable ?? false,
    retryable: options.retryable ?? true,
    system: options.system ?? false,
    retry: {
      maxAttempts,
      backoffMs: retry.backoffMs ?? 1_000,
      maxBackoffMs: Math.min(retry.maxBackoffMs ?? 60_000, 900_000),
    },
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(concurrency ? { concurrency: { limit: concurrency.limit, key: concurrency.key } } : {}),
    ...(options.label ? { label: options.label } : {}),
    run: options.run,
  };
}
