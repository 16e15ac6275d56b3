/** What a running job sees of itself: the seeds' `getCurrentJob()`. */
export interface CurrentJob {
  id: string;
  type: string;
  label: string;
  tenant: string;
  rootId: string;
  parentId: string | null;
  runBy: { id: string; name: string } | null;
  lowPriority: boolean;
  createDate: number;
  startDate: number | null;
  /** 1 for the first attempt of the current run; grows on retries. */
  attempt: number;
}

export interface JobLogger {
  info(message: string, additionalInfo?: Record<string, unknown>): void;
  /** An ERROR line sets the job's hasErrors flag. */
  error(message: string, additionalInfo?: Record<string, unknown>): void;
}

export interface SpawnOptions {
  label?: string;
  lowPriority?: boolean;
}

export interface ChildOutcome {
  id: string;
  type: string;
  status: 'FINISHED' | 'CANCELED';
  hasErrors: boolean;
  results: unknown;
}

export interface StepOptions {
  /**
   * The longest the step may run: past it ctx.signal is aborted, and the step fails with
   * StepTimeoutError once `fn` returns or throws (retried per the type's `retry`, in a new
   * slice with a fresh signal; code that catches the error sees the signal stay aborted).
   */
  timeoutMs?: number;
}

export interface JobContext<TData = Record<string, unknown>, TResults = Record<string, unknown>> {
  readonly job: CurrentJob;
  readonly data: TData;
  /**
   * Aborted when a stop is requested or the slice must yield; checked at every step boundary
   * (a stop sent within 100 ms of the slice's start is seen at its second).
   */
  readonly signal: AbortSignal;
  readonly log: JobLogger;
  /**
   * Runs `fn` once. Its JSON result is stored and replayed, never re-run, when the job
   * resumes or retries. Names must be unique within a run and deterministic; a sleep named
   * `x` also takes `x#passed`, and event waits take names of the form `event:<name>:<key>…`.
   */
  step<T>(name: string, fn: () => Promise<T> | T, options?: StepOptions): Promise<T>;
  /**
   * 0..100; written at the next step boundary a second or more after the last write (or by the
   * heartbeat, a park, the slice's end), so reporting it per record costs a write a second.
   */
  progress(percent: number): void;
  /** Creates a child job (parentId = this job, rootId = this job's root). Returns its id. */
  spawn(type: string, data: Record<string, unknown>, options?: SpawnOptions): Promise<string>;
  /**
   * Parks the job, holding no worker, until every child spawned so far has ended;
   * the run then continues with their outcomes.
   */
  waitForChildren(): Promise<ChildOutcome[]>;
  /**
   * Sleeps durably for `ms`: the job parks holding no worker and is woken at the time (to the
   * second for sleeps up to 15 minutes, within the sweeper's interval beyond). `name` is a
   * step name: the wake-up time is stored once, so a replay never sleeps twice, and a job
   * resumed before the time sleeps the rest of it.
   */
  sleep(name: string, ms: number): Promise<void>;
  /** As `sleep`, until a time (a Date or ms since the epoch); a time already past returns at once. */
  sleepUntil(name: string, until: Date | number): Promise<void>;
  /**
   * Waits durably, holding no worker, for an outside event of this name and key (sent with
   * `POST /api/events`, an intake message or the client's `sendEvent`, in this job's tenant):
   * its data, or `null` once `timeoutMs` passed without one. An event sent before the wait
   * began counts if it is at most 24 hours old. The name and key name the wait as a step does:
   * a replay returns the same answer, and a second wait for the same name and key in one run
   * takes the next event, not the same one.
   */
  waitForEvent<T = Record<string, unknown>>(name: string, options: { key: string; timeoutMs: number }): Promise<T | null>;
  setResults(results: TResults): void;
  /**
   * Names a file this job wrote to the export bucket as its result: the monitor shows a
   * Download button, served as a short-lived link after the caller's tenant is checked.
   */
  setResultFile(key: string): void;
}
