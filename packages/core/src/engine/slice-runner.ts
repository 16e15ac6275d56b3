import { NonRetriableError, type JobDefinition } from '@stint/sdk';
import type { CounterBatch } from '../counter-store.ts';
import { LeaseLostError } from '../errors.ts';
import type { JobStatus } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import type { WorkMessage } from '../work-queue.ts';
import { emit, type EngineDeps } from './deps.ts';
import { readySpec, type Dispatcher } from './dispatcher.ts';
import { InterruptSignal, JobRun } from './job-run.ts';
import { finishOrPark, stopNow } from './slice-outcomes.ts';
import { atVersion, bumpVersion, holdsLease, merge, releaseLease, statusSpec } from './transitions.ts';

export type SliceOutcome = 'skipped' | 'finished' | 'parked' | 'yielded' | 'stopped' | 'retrying' | 'failed' | 'leaseLost';

const RUNNABLE: readonly JobStatus[] = ['PENDING', 'RUNNING', 'STOPPING'];

/**
 * A slice whose worker died (crash, or a step outliving the Lambda timeout) leaves its lease
 * to expire and the job is taken over. A job that keeps doing that would be taken over
 * forever; after this many lost slices in one run it fails with a clear error instead.
 */
export const MAX_LOST_SLICES = 3;

/**
 * Runs one work message: takes the job's lease with a conditional write, runs a slice, and
 * commits its outcome. A duplicate or stale message finds the job not in flight, its lease
 * held, or the job ended, and does nothing.
 */
export class SliceRunner {
  constructor(
    readonly deps: EngineDeps,
    readonly dispatcher: Dispatcher,
  ) {}

  async process(message: WorkMessage, counters: CounterBatch, heartbeat?: () => Promise<void>): Promise<SliceOutcome> {
    const { deps } = this;
    const record = await deps.jobs.get(message.jobId);
    const now = deps.clock();
    if (!record || !RUNNABLE.includes(record.status) || record.parked) return 'skipped';
    // Only a dispatched job runs: one in its ready set waits for the fair dispatcher.
    if (!record.gsi5pk?.startsWith('I#')) return 'skipped';
    if (record.leaseExpiresAt !== undefined && record.leaseExpiresAt > now) return 'skipped';

    const definition = deps.registry.get(record.type);
    if (record.status === 'STOPPING' && (definition?.stoppable ?? true)) {
      return (await stopNow(deps, this.dispatcher, counters, record)) ? 'stopped' : 'skipped';
    }
    // Every outcome releases the lease, so one still set means the last slice died holding it.
    const lost = record.leaseExpiresAt !== undefined ? 1 : 0;
    const acquired = await deps.jobs.tryUpdate(
      record.id,
      merge(
        record.status === 'PENDING' ? statusSpec(record, 'RUNNING') : {},
        bumpVersion,
        atVersion(record.version),
        {
          set: { leaseOwner: deps.workerId, leaseExpiresAt: now + deps.tuning.leaseMs, startDate: record.startDate ?? now },
          setRaw: { leaseEpoch: '#leaseEpoch + :one' },
          add: { lostSlices: lost },
          remove: ['dispatchedAt'],
        },
      ),
    );
    if (!acquired) return 'skipped';
    if (record.startDate === undefined) {
      const waiting = Math.max(0, now - record.createDate);
      counters.jobStarted(record.tenant, now, waiting);
      emit(deps, { type: 'jobStarted', jobId: record.id, rootId: record.rootId, tenant: record.tenant, jobType: record.type, waitingMs: waiting });
    }
    if (!definition) {
      return this.#fail(acquired, counters, new NonRetriableError(`job type ${record.type} is not registered in this worker`), null);
    }
    if ((acquired.lostSlices ?? 0) >= MAX_LOST_SLICES) {
      const message = `its worker stopped mid-slice ${acquired.lostSlices} times (a crash, or a step running past the worker's timeout; keep steps well under it)`;
      return this.#fail(acquired, counters, new NonRetriableError(message), null);
    }
    // A job that never started has no checkpoints: skip the read on the common first slice.
    const checkpoints = record.startDate === undefined ? new Map() : await deps.checkpoints.load(record.id);
    const run = new JobRun(deps, this.dispatcher, definition, acquired, checkpoints, counters);
    const timer = this.#startHeartbeat(run, heartbeat);
    try {
      return await this.#run(run, definition, counters);
    } finally {
      clearInterval(timer);
      // A lone root job (no parent, no children) is its root's only work: its slice frees no
      // slot that anything waits for and its consumed time shapes no one's share.
      if (run.record.parentId !== undefined || run.record.childrenTotal > 0) {
        const lane = laneOf(run.record);
        await this.dispatcher
          .charge(run.record.rootId, lane, deps.clock() - run.startedAt)
          .then(() => this.dispatcher.pumpRoot(run.record.rootId, lane))
          .catch((error) => emit(deps, { type: 'warning', message: 'fairness charge or dispatch failed', jobId: record.id, error }));
      }
    }
  }

  async #run(run: JobRun, definition: JobDefinition, counters: CounterBatch): Promise<SliceOutcome> {
    let returned: unknown;
    try {
      returned = await definition.run(run.context());
      if (!run.interrupt) await run.flushOutputs();
    } catch (error) {
      run.adoptAbort();
      if (!run.interrupt && !(error instanceof InterruptSignal) && !(error instanceof LeaseLostError)) {
        return this.#fail(run.record, counters, error, run);
      }
    }
    // A function that honoured ctx.signal may also return early: its run did not complete.
    run.adoptAbort();
    // The job function may have swallowed an interrupt; the run's own record decides.
    const outcome = await this.#settle(run, counters, returned);
    emit(this.deps, {
      type: 'sliceEnded',
      jobId: run.record.id,
      rootId: run.record.rootId,
      tenant: run.record.tenant,
      jobType: run.record.type,
      outcome,
      durationMs: this.deps.clock() - run.startedAt,
    });
    return outcome;
  }

  async #settle(run: JobRun, counters: CounterBatch, returned: unknown): Promise<SliceOutcome> {
    if (run.interrupt === 'leaseLost') return 'leaseLost';
    if (run.interrupt === 'park') return 'parked';
    return unlessLeaseLost(this.#commit(run, counters, returned));
  }

  /** Writes the slice's outcome; every write is conditional on the lease it holds. */
  async #commit(run: JobRun, counters: CounterBatch, returned: unknown): Promise<SliceOutcome> {
    const { deps } = this;
    const interrupt = run.interrupt;
    if (interrupt === 'stop') {
      await run.flushAll();
      return (await stopNow(deps, this.dispatcher, counters, run.record, run.epoch)) ? 'stopped' : 'leaseLost';
    }
    if (interrupt === 'yield') {
      await run.flushAll();
      const yielded = await deps.jobs.tryUpdate(
        run.record.id,
        merge(holdsLease(run.epoch), releaseLease, readySpec(run.record, deps.clock()), {
          set: { results: run.results, resultFile: run.resultFile, ...(run.progress !== null ? { progress: run.progress } : {}) },
        }),
      );
      if (!yielded) return 'leaseLost';
      await this.dispatcher.touchLane(yielded.rootId, laneOf(yielded));
      await this.dispatcher.pumpRoot(yielded.rootId, laneOf(yielded));
      return 'yielded';
    }
    const results = (returned as Record<string, unknown> | undefined) ?? run.results;
    return await finishOrPark(deps, this.dispatcher, counters, run.record, run.epoch, { results, resultFile: run.resultFile, progress: 100 });
  }

  async #fail(record: JobRecord, counters: CounterBatch, error: unknown, run: JobRun | null): Promise<SliceOutcome> {
    const { deps } = this;
    const definition = deps.registry.get(record.type);
    const message = error instanceof Error ? error.message : String(error);
    const attempt = record.attempt + 1;
    const retriable = !(error instanceof NonRetriableError) && definition !== undefined && attempt < definition.retry.maxAttempts;
    if (run && (await unlessLeaseLost(run.flushAll())) === 'leaseLost') return 'leaseLost';
    if (retriable) {
      const delayMs = Math.min(definition.retry.maxBackoffMs, definition.retry.backoffMs * 2 ** (attempt - 1));
      await deps.logs.append(record.id, [
        { timestamp: deps.clock(), level: 'INFO', message: `attempt ${attempt} failed: ${message}; retrying in ${Math.round(delayMs / 1000)} s`, additionalInfo: { attempt, error: message } },
      ]);
      // The job keeps its in-flight slot while it backs off; the delayed message resumes it.
      const backingOff = await deps.jobs.tryUpdate(
        record.id,
        merge(holdsLease(record.leaseEpoch), releaseLease, { set: { attempt, dispatchedAt: deps.clock() + delayMs } }),
      );
      if (!backingOff) return 'leaseLost';
      await this.dispatcher.send(backingOff, delayMs / 1000);
      return 'retrying';
    }
    await deps.logs.append(record.id, [
      { timestamp: deps.clock(), level: 'ERROR', message: `job failed: ${message}`, additionalInfo: { attempt, error: message, ...(error instanceof Error && error.stack ? { stack: error.stack.split('\n').slice(0, 8).join('\n') } : {}) } },
    ]);
    const outcome = await unlessLeaseLost(
      finishOrPark(deps, this.dispatcher, counters, record, record.leaseEpoch, {
        results: run?.results,
        resultFile: run?.resultFile,
        hasErrors: true,
        error: message,
      }),
    );
    return outcome === 'finished' || outcome === 'parked' ? 'failed' : outcome;
  }

  #startHeartbeat(run: JobRun, heartbeat?: () => Promise<void>): NodeJS.Timeout {
    const every = Math.max(50, Math.floor(this.deps.tuning.leaseMs / 3));
    const timer = setInterval(() => {
      void run.prove(true).catch(() => undefined);
      void heartbeat?.().catch((error) => emit(this.deps, { type: 'warning', message: 'visibility extension failed', jobId: run.record.id, error }));
    }, every);
    timer.unref();
    return timer;
  }
}

/** A lost lease ends the slice quietly (the job is another worker's now); any other error propagates. */
async function unlessLeaseLost<T>(work: Promise<T>): Promise<T | 'leaseLost'> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof LeaseLostError) return 'leaseLost';
    throw error;
  }
}
