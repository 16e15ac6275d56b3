import type { JobRegistry, ScheduleDefinition } from '@stint/sdk';
import { JobTypeCatalog } from '../auth/job-types.ts';
import { crashPoint } from '../crash-points.ts';
import type { AwsClients } from '../aws-clients.ts';
import { TenantDirectory } from '../auth/tenant-directory.ts';
import type { TenantScope } from '../auth/tenant-scope.ts';
import { CheckpointStore } from '../store/checkpoint-store.ts';
import type { StintConfig } from '../config.ts';
import { WORKER } from '../resource-spec.ts';
import { reconcileSome } from '../counter-reconcile.ts';
import { CounterStore } from '../store/counter-store.ts';
import type { Job } from '../job.ts';
import { appendJobLog } from '../job-logs.ts';
import { toJob } from '../job-record.ts';
import { JobStore } from '../store/job-store.ts';
import type { Operation } from '../lifecycle.ts';
import { LogStore, type LogLevel, type LogLine } from '../store/log-store.ts';
import { MonitorReader } from '../query/monitor-reader.ts';
import { RunHistory } from '../schedules/run-history.ts';
import { RUNS_KEPT } from '../schedules/run-record.ts';
import { ScheduleCatalog } from '../schedules/schedule-catalog.ts';
import { ReportPublisher } from '../schedules/schedule-report.ts';
import { ScheduleStore } from '../schedules/schedule-store.ts';
import type { ScheduleDeps } from '../schedules/schedule-deps.ts';
import { Schedules } from '../schedules/schedules.ts';
import { systemJobDefinitions } from '../system-jobs/system-job-definitions.ts';
import { decodeWorkMessage, WorkQueue } from '../work-queue.ts';
import { emit, type EngineDeps, type EngineEvent, type EngineTuning } from './deps.ts';
import { cascadeToIds } from './cascade.ts';
import { childPage } from './job-tree.ts';
import { CASCADE } from './cascade-marker.ts';
import { deletePage } from './tree-delete.ts';
import { cleanExpired, type ExpiryReport } from './expiry.ts';
import { cascadeJob, type CascadeJobData } from './cascade-job.ts';
import { ChildEndCounts } from './child-end-counts.ts';
import { retryPage } from './retry.ts';
import { sendEvent, type SendEventInput } from './events.ts';
import type { EngineContext } from './context.ts';
import { Dispatcher } from './dispatcher.ts';
import { Operations } from './operations.ts';
import { SliceRunner, type SliceOutcome } from './slice-runner.ts';
import { submit, type SubmitInput } from './submit.ts';
import { sweep, type SweepOptions, type SweepReport } from './sweeper.ts';

export interface EngineOptions {
  clients: AwsClients;
  config: StintConfig;
  registry: JobRegistry;
  /** The deployment's scheduled jobs; their job types must be in `registry`. */
  schedules?: readonly ScheduleDefinition[];
  workerId?: string;
  clock?: () => number;
  redispatchAfterMs?: number;
  /** See EngineTuning.settleGraceMs; tests shorten it. */
  settleGraceMs?: number;
  /** See EngineTuning.counterSettleMs; tests shorten it. */
  counterSettleMs?: number;
  /** Run records each schedule keeps (RUNS_KEPT in schedules/run-record.ts); tests lower it. */
  runsKept?: number;
  onEvent?: (event: EngineEvent) => void;
}

/** An api request cannot outlive API Gateway's 29 s; twice that leaves no request still working. */
const SETTLE_GRACE_MS = 60_000;

/** A counter delta waits at most for its batch: the longest a worker invocation runs, twice over. */
const COUNTER_SETTLE_MS = 2 * WORKER.timeoutSeconds * 1000;

/** A work message as the worker handler hands it over. */
export interface WorkDelivery {
  body: string;
  /** Extends the message's visibility while its slice runs. */
  heartbeat?: () => Promise<void>;
}

/** What tests reach behind the engine's public face (`engineInternals`, `@stint/core/testing`). */
export interface EngineInternals {
  deps: EngineDeps;
  dispatcher: Dispatcher;
  operations: Operations;
  slices: SliceRunner;
  schedules: ScheduleDeps;
}

let internalsOf: (engine: Engine) => EngineInternals;

/**
 * The engine's public face: what the api, worker, intake and sweeper handlers and the monitor
 * call. Its stores and dispatcher stay inside; adapters read through `monitor`, `jobTypes()`
 * and `now()`.
 */
export class Engine {
  private readonly deps: EngineDeps;
  private readonly dispatcher: Dispatcher;
  private readonly operations: Operations;
  private readonly slices: SliceRunner;
  private readonly scheduleDeps: ScheduleDeps;
  readonly schedules: Schedules;
  /** Jobs, logs, cards and charts, read in a caller's scope. */
  readonly monitor: MonitorReader;
  readonly #jobTypes: JobTypeCatalog;

  static {
    internalsOf = (engine) => ({
      deps: engine.deps,
      dispatcher: engine.dispatcher,
      operations: engine.operations,
      slices: engine.slices,
      schedules: engine.scheduleDeps,
    });
  }

  constructor(options: EngineOptions) {
    const { clients, config } = options;
    const tuning: EngineTuning = {
      sliceBudgetMs: config.sliceBudgetMs,
      leaseMs: config.leaseMs,
      maxInFlightPerRoot: config.maxInFlightPerRoot,
      retentionDays: config.retentionDays,
      redispatchAfterMs: options.redispatchAfterMs ?? Math.max(5 * 60_000, config.leaseMs * 2),
      settleGraceMs: options.settleGraceMs ?? SETTLE_GRACE_MS,
      counterSettleMs: options.counterSettleMs ?? COUNTER_SETTLE_MS,
    };
    this.deps = {
      jobs: new JobStore(clients.dynamo, config.tableName),
      logs: new LogStore(clients.dynamo, config.tableName),
      checkpoints: new CheckpointStore(clients.dynamo, config.tableName),
      counters: new CounterStore(clients.dynamo, config.tableName, options.clock ?? Date.now),
      childEnds: new ChildEndCounts(),
      queue: new WorkQueue(clients.sqs, { normal: config.workQueueUrl, low: config.lowQueueUrl }),
      tenants: new TenantDirectory(clients.dynamo, config.tableName),
      registry: options.registry,
      tuning,
      clock: options.clock ?? Date.now,
      workerId: options.workerId ?? `worker-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    };
    // The monitor's system jobs (export, bulk operation, clear inactive): the api submits them and
    // workers run them, so every engine knows them, before its schedules (which may start one).
    // They act through this engine once they run. A system type already there is another
    // engine's registration over the same registry; anything else by those names clashes.
    for (const definition of systemJobDefinitions(this, clients.s3, config.bucketName)) {
      if (!options.registry.get(definition.type)?.system) options.registry.register(definition);
    }
    this.scheduleDeps = {
      catalog: new ScheduleCatalog(options.schedules ?? [], options.registry),
      store: new ScheduleStore(this.deps.jobs),
      history: new RunHistory(this.deps.jobs, this.deps.clock, {
        runsKept: options.runsKept ?? RUNS_KEPT,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      }),
      jobs: this.deps.jobs,
      tenants: this.deps.tenants,
      reports: new ReportPublisher(clients.sns, config.reportTopicArn),
      submit: (input) => this.submit(input),
      clock: this.deps.clock,
      retentionDays: config.retentionDays,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    };
    this.schedules = new Schedules(this.scheduleDeps);
    this.monitor = new MonitorReader({ jobs: this.deps.jobs, tenants: this.deps.tenants, clock: this.deps.clock });
    this.#jobTypes = new JobTypeCatalog(options.registry);
    this.deps.runEnded = (record) => this.schedules.runEnded(record);
    this.deps.runRemoved = (record) => this.schedules.runRemoved(record);
    // The engine's own system job: every component knows it, as it knows the monitor's.
    if (!options.registry.has(CASCADE)) options.registry.register(cascadeJob((data, startKey) => this.cascadePage(data, startKey)));
    this.deps.submitSystemJob = (input) => this.submit(input);
    this.dispatcher = new Dispatcher(this.deps);
    this.operations = new Operations(this.deps, this.dispatcher);
    this.slices = new SliceRunner(this.deps, this.dispatcher);
  }

  async submit(input: SubmitInput): Promise<{ job: Job; created: boolean }> {
    return this.#counted(async (ctx) => {
      const result = await submit(ctx, input);
      return { job: toJob(result.record, this.deps.clock()), created: result.created };
    });
  }

  /** Sends an outside event in its tenant and wakes the jobs waiting for it (events.ts). */
  async sendEvent(input: SendEventInput): Promise<{ id: string; woken: number }> {
    return this.#counted((ctx) => sendEvent(ctx, input));
  }

  /** The engine's clock: what "now" is for every read and write it makes. */
  now(): number {
    return this.deps.clock();
  }

  /** The job types this engine runs, and who may start each from outside. */
  jobTypes(): JobTypeCatalog {
    return this.#jobTypes;
  }

  /**
   * A log line added from outside the job's run (the api's `POST /api/jobs/{id}/logs`); an
   * ERROR line sets the job's hasErrors. The caller has loaded the job in its scope.
   */
  appendLog(job: Pick<Job, 'id' | 'tenant'>, level: LogLevel, message: string): Promise<Omit<LogLine, 'cursor'>> {
    return appendJobLog(this.deps, job, level, message);
  }

  /** Reports a warning through the handler's logger (`onEvent`): something failed that must not fail the request. */
  warn(message: string, detail: { jobId?: string; error?: unknown } = {}): void {
    this.deps.onEvent?.({ type: 'warning', message, ...detail });
  }

  async get(id: string, scope: TenantScope): Promise<Job> {
    return toJob(await this.operations.load(id, scope), this.deps.clock());
  }

  /** Applies an operation; returns the job after it, or null for delete. */
  async apply(operation: Operation, id: string, scope: TenantScope): Promise<Job | null> {
    return this.#counted((ctx) => this.operations.apply(operation, id, scope, ctx.counters));
  }

  /**
   * Runs a batch of work messages concurrently (each slice has its own budget, so a batch
   * takes as long as its longest slice) and returns the indexes of messages to retry.
   * A message that cannot be parsed is reported failed, so SQS redrives it to the DLQ.
   */
  async processBatch(deliveries: WorkDelivery[]): Promise<{ failed: number[]; outcomes: Array<SliceOutcome | 'error'> }> {
    const settled = await this.#counted((ctx) =>
      Promise.allSettled(deliveries.map(async (delivery) => this.slices.process(decodeWorkMessage(delivery.body), ctx.counters, delivery.heartbeat))),
    );
    const failed: number[] = [];
    const outcomes = settled.map((result, index) => {
      if (result.status === 'fulfilled') return result.value;
      failed.push(index);
      this.deps.onEvent?.({ type: 'warning', message: 'work message failed', error: result.reason });
      return 'error' as const;
    });
    return { failed, outcomes };
  }

  /** Crash recovery, then the scheduled runs that are due. */
  async sweep(options: SweepOptions = {}): Promise<SweepReport> {
    const report = await this.#counted((ctx) => sweep(ctx, options));
    const fired = await this.schedules.fireDue();
    const counters = await reconcileSome(this.deps.jobs, this.deps.tenants, this.deps.clock(), this.deps.tuning.counterSettleMs);
    return {
      ...report,
      countersCorrected: counters.corrected,
      schedulesStarted: fired.started,
      schedulesReconciled: fired.reconciled,
      schedulesFailed: fired.failed,
      schedulesSkipped: fired.skipped,
    };
  }

  /**
   * Removes what TTL left of expired jobs, given the removed items' old images from the
   * table's stream in stream order (expiry.ts); stops at the first it cannot clean.
   */
  async expired(images: ReadonlyArray<Record<string, unknown>>): Promise<ExpiryReport> {
    return this.#counted((ctx) => cleanExpired(ctx, images));
  }

  /** One page of a CASCADE job's walk: the next children of `jobId`, and where the page after starts. */
  async cascadePage({ jobId, operation, since }: CascadeJobData, startKey: Record<string, unknown> | undefined): Promise<Record<string, unknown> | undefined> {
    return this.#counted(async (ctx) => {
      if (operation === 'delete') return deletePage(ctx, jobId, startKey);
      if (operation === 'retry') return retryPage(ctx, jobId, since ?? 0, startKey);
      const page = await childPage(this.deps, jobId, startKey);
      await cascadeToIds(ctx, page.ids, operation);
      return page.next;
    });
  }

  /**
   * Runs `work` with a counter batch of its own, flushed when it ends. A flush that fails
   * (a tenant's counter items throttled past the SDK's retries) does not fail the work it
   * counts: the jobs are written, and failing a submission now would have its caller submit
   * again. The deltas are lost as a crash loses them, and the cards re-derived the same way.
   */
  async #counted<T>(work: (ctx: EngineContext) => Promise<T>): Promise<T> {
    const counters = this.deps.counters.batch();
    try {
      return await work({ deps: this.deps, dispatcher: this.dispatcher, counters });
    } finally {
      if (!counters.empty) await crashPoint('counters.beforeFlush');
      await counters
        .flush()
        .catch((error) => emit(this.deps, { type: 'warning', message: 'counter deltas not written; the reconcile re-derives the cards', error }));
    }
  }
}

/** Test-only, exported as `@stint/core/testing`: the engine's stores, dispatcher and schedule services. */
export function engineInternals(engine: Engine): EngineInternals {
  return internalsOf(engine);
}
