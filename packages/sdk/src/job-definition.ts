import type { JobContext } from './job-context.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time. Default 1 s. */
  backoffMs?: number;
  /** Upper bound of the delay (SQS allows at most 900 s). Default 60 s. */
  maxBackoffMs?: number;
}

export interface JobDefinition<TData = any, TResults = any> {
  type: string;
  /** Graceful stop is honoured at step boundaries. A non-stoppable type stays STOPPING until it completes. */
  stoppable: boolean;
  /** A FINISHED job of this type may be restarted from scratch. */
  restartable: boolean;
  /** System jobs are hidden from the monitor unless asked for. */
  system: boolean;
  retry: Required<RetryPolicy>;
  /** Human label for a new job when the submitter gives none. */
  label?: (data: TData) => string;
  run: (ctx: JobContext<TData, TResults>) => Promise<TResults | void>;
}

export interface DefineJobOptions<TData, TResults> {
  type: string;
  stoppable?: boolean;
  restartable?: boolean;
  system?: boolean;
  retry?: RetryPolicy;
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
  return {
    type: options.type,
    stoppable: options.stoppable ?? true,
    restartable: options.restartable ?? false,
    system: options.system ?? false,
    retry: {
      maxAttempts,
      backoffMs: retry.backoffMs ?? 1_000,
      maxBackoffMs: Math.min(retry.maxBackoffMs ?? 60_000, 900_000),
    },
    ...(options.label ? { label: options.label } : {}),
    run: options.run,
  };
}
