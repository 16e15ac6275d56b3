import type { ChildOutcome, CurrentJob, JobContext, JobDefinition, SpawnOptions } from '@stint/sdk';

/**
 * An in-memory JobContext for unit tests of job code, with the engine's replay rules:
 * step results are stored as JSON and replayed, spawn ids are deterministic, and a run can
 * be replayed (as after a stop or a retry) with `ctx.replay()`.
 */

/** The tenant of a fake job unless a test names another. */
export const FAKE_TENANT = 'test';

export interface LogLine {
  level: 'INFO' | 'ERROR';
  message: string;
  additionalInfo?: Record<string, unknown>;
}

export interface SpawnedChild {
  id: string;
  type: string;
  data: Record<string, unknown>;
  options?: SpawnOptions;
}

export interface FakeJobOptions<TData> {
  data: TData;
  job?: Partial<CurrentJob>;
  /** Outcomes waitForChildren returns, from the children spawned so far; undefined parks the run. */
  childOutcomes?: (children: SpawnedChild[]) => ChildOutcome[] | undefined;
  signal?: AbortSignal;
  /** Events waitForEvent receives, by `<name>:<key>`; a wait for any other times out at once. */
  events?: Record<string, Record<string, unknown>>;
}

/** Ends a run at waitForChildren while the children are not done; replay() to resume it. */
export class ParkedForChildren extends Error {
  override readonly name = 'ParkedForChildren';
}

/** Thrown in place of a worker dying after a step's work ran but before its checkpoint was saved. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

interface Shared {
  checkpoints: Map<string, string>;
  spawned: SpawnedChild[];
  logs: LogLine[];
  stepRuns: string[];
  progress: number[];
  crashAfter: Set<string>;
}

export class FakeJobContext<TData = Record<string, unknown>, TResults = Record<string, unknown>> implements JobContext<TData, TResults> {
  readonly job: CurrentJob;
  readonly data: TData;
  readonly signal: AbortSignal;
  results: TResults | undefined;
  resultFile: string | undefined;
  readonly #options: FakeJobOptions<TData>;
  readonly #shared: Shared;
  readonly #namesThisRun = new Set<string>();
  #spawnCount = 0;

  constructor(options: FakeJobOptions<TData>, shared?: Shared) {
    this.#options = options;
    this.#shared = shared ?? { checkpoints: new Map(), spawned: [], logs: [], stepRuns: [], progress: [], crashAfter: new Set() };
    this.job = {
      id: 'job-1',
      type: 'TEST',
      label: 'test job',
      tenant: FAKE_TENANT,
      rootId: options.job?.id ?? 'job-1',
      parentId: null,
      runBy: null,
      lowPriority: false,
      createDate: 0,
      startDate: 0,
      attempt: 1,
      ...options.job,
    };
    this.data = options.data;
    this.signal = options.signal ?? new AbortController().signal;
  }

  readonly log = {
    info: (message: string, additionalInfo?: Record<string, unknown>) => this.#log('INFO', message, additionalInfo),
    error: (message: string, additionalInfo?: Record<string, unknown>) => this.#log('ERROR', message, additionalInfo),
  };

  get logs(): LogLine[] {
    return this.#shared.logs;
  }
  get hasErrors(): boolean {
    return this.#shared.logs.some((l) => l.level === 'ERROR');
  }
  get spawned(): SpawnedChild[] {
    return this.#shared.spawned;
  }
  /** Names of the steps whose function actually ran, over all runs, in order. */
  get stepRuns(): string[] {
    return this.#shared.stepRuns;
  }
  get progressValues(): number[] {
    return this.#shared.progress;
  }
  get checkpoints(): ReadonlyMap<string, string> {
    return this.#shared.checkpoints;
  }

  /** The next run of the same job sees the stored steps and children, as after a resume or retry. */
  replay(overrides: Partial<FakeJobOptions<TData>> = {}): FakeJobContext<TData, TResults> {
    return new FakeJobContext({ ...this.#options, ...overrides }, this.#shared);
  }

  /** The next time the named step runs, its work happens but its result is lost. */
  crashAfter(stepName: string): this {
    this.#shared.crashAfter.add(stepName);
    return this;
  }

  /** A sleep is a step whose time passes at once here: a replay skips it as the engine does. */
  async sleep(name: string, ms: number): Promise<void> {
    await this.step(name, () => ({ wakeAt: Date.now() + ms }));
  }

  async sleepUntil(name: string, until: Date | number): Promise<void> {
    await this.step(name, () => ({ wakeAt: typeof until === 'number' ? until : until.getTime() }));
  }

  /** The test's event for this name and key (`events`), or at once the timeout's null. */
  async waitForEvent<T>(name: string, options: { key: string }): Promise<T | null> {
    return this.step(`event:${name}:${options.key}`, () => (this.#options.events?.[`${name}:${options.key}`] as T | undefined) ?? null);
  }

  async step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    if (this.#namesThisRun.has(name)) throw new Error(`step name "${name}" used twice in one run`);
    this.#namesThisRun.add(name);
    const stored = this.#shared.checkpoints.get(name);
    if (stored !== undefined) return JSON.parse(stored) as T;
    this.#shared.stepRuns.push(name);
    const value = await fn();
    if (this.#shared.crashAfter.delete(name)) throw new SimulatedCrash(`simulated crash after step ${name}`);
    this.#shared.checkpoints.set(name, JSON.stringify(value ?? null));
    return JSON.parse(this.#shared.checkpoints.get(name)!) as T;
  }

  progress(percent: number): void {
    this.#shared.progress.push(percent);
  }

  async spawn(type: string, data: Record<string, unknown>, options?: SpawnOptions): Promise<string> {
    const id = `${this.job.id}-child-${++this.#spawnCount}`;
    if (!this.#shared.spawned.some((c) => c.id === id)) {
      this.#shared.spawned.push({ id, type, data: structuredClone(data), ...(options ? { options } : {}) });
    }
    return id;
  }

  async waitForChildren(): Promise<ChildOutcome[]> {
    const outcomes = this.#options.childOutcomes;
    if (!outcomes) throw new Error('waitForChildren called but the test gave no childOutcomes');
    const result = outcomes(this.#shared.spawned);
    if (!result) throw new ParkedForChildren('parked until the children end');
    return result;
  }

  setResults(results: TResults): void {
    this.results = JSON.parse(JSON.stringify(results)) as TResults;
  }

  setResultFile(key: string): void {
    this.resultFile = key;
  }

  #log(level: LogLine['level'], message: string, additionalInfo?: Record<string, unknown>) {
    this.#shared.logs.push({ level, message, ...(additionalInfo ? { additionalInfo } : {}) });
  }
}

/** Runs a definition in a fresh fake context; returns the context to inspect. */
export async function runJob<TData, TResults>(
  definition: JobDefinition<TData, TResults>,
  options: FakeJobOptions<TData>,
): Promise<FakeJobContext<TData, TResults>> {
  const ctx = new FakeJobContext<TData, TResults>(options);
  await definition.run(ctx);
  return ctx;
}
