import { NonRetriableError, type JobDefinition } from '@stint/sdk';
import type { Checkpoint } from '../store/checkpoint-store.ts';
import type { CounterBatch } from '../store/counter-store.ts';
import { crashPoint } from '../crash-points.ts';
import { LeaseLostError } from '../errors.ts';
import { waitsFrom, type JobStatus } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import { dispatchSetOf } from '../store/table-keys.ts';
import type { WorkMessage } from '../work-queue.ts';
import type { EngineContext } from './context.ts';
import { emit, type EngineDeps } from './deps.ts';
import { readySpec } from './dispatch-specs.ts';
import type { Dispatcher } from './dispatcher.ts';
import { cancelTimedOutChildren, DeadlineExceededError, pastDeadline } from './deadline.ts';
import { dueAt, startDelayed } from './delayed-start.ts';
import { jobContext } from './job-context.ts';
import { InterruptSignal, JobRun } from './job-run.ts';
import { finishOrPark, stopHeld, stopNow } from './slice-outcomes.ts';
import { atVersion, bumpVersion, holdsLease, leaseOf, merge, releaseLease, statusSpec, type Lease } from './transitions.ts';

export type SliceOutcome = 'skipped' | 'woken' | 'finished' | 'parked' | 'yielded' | 'stopped' | 'retrying' | 'failed' | 'leaseLost';

const RUNNABLE: readonly JobStatus[] = ['PENDING', 'RUNNING', 'STOPPING'];
/** Outcomes of a slice that ran (or stopped) a dispatched job and took it out of the in-flight set. */
const SLOT_FREED: readonly SliceOutcome[] = ['finished', 'parked', 'yielded', 'stopped', 'failed'];

/**
 * A slice whose worker died (crash, or a step outliving the Lambda timeout) leaves its lease
 * to expire and the job is taken over. A job whose slices keep dying without checkpointing a
 * step would be taken over forever; after this many such slices in a row it fails with a
 * clear error instead. A lost slice that checkpointed a step made progress and resets it.
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

  async process(message: WorkMessage, counters: CounterBatch, extendVisibility?: () => Promise<void>): Promise<SliceOutcome> {
    const record = await this.deps.jobs.get(message.jobId);
    const outcome = await this.#process(record, counters, extendVisibility);
    // The job left the in-flight set: the concurrency slot its dispatch took is free
    // (concurrency-gate.ts). A retry backs off holding it, as it holds its root's slot.
    if (record && SLOT_FREED.includes(outcome)) await this.dispatcher.gate.release(record);
    return outcome;
  }

  async #process(record: JobRecord | undefined, counters: CounterBatch, extendVisibility?: () => Promise<void>): Promise<SliceOutcome> {
    const { deps } = this;
    const ctx: EngineContext = { deps, dispatcher: this.dispatcher, counters };
    const now = deps.clock();
    if (!record || !RUNNABLE.includes(record.status) || record.parked) return 'skipped';
    // A wake-up message (delayed-start.ts): the job goes to its ready set and waits for its turn.
    if (dispatchSetOf(record) === 'delayed') return dueAt(record) <= now && (await startDelayed(ctx, record)) ? 'woken' : 'skipped';
    // Only a dispatched job runs: one in its ready set waits for the fair dispatcher.
    if (dispatchSetOf(record) !== 'inFlight') return 'skipped';
    if (record.leaseExpiresAt !== undefined && record.leaseExpiresAt > now) return 'skipped';

    const definition = deps.registry.get(record.type);
    if (record.status === 'STOPPING' && (definition?.stoppable ?? true)) {
      return (await stopNow(ctx, record)) ? 'stopped' : 'skipped';
    }
    if (!(await this.dispatcher.gate.confirm(record, now))) {
      // Its slot went to another job while its claim was held up: it waits its turn again.
      emit(deps, { type: 'warning', message: 'a dispatched job found its concurrency slot given away; it waits its turn again', jobId: record.id });
      await this.dispatcher.makeReady(record, merge(bumpVersion, atVersion(record.version)));
      return 'skipped';
    }
    await crashPoint('slice.loaded', { jobId: record.id, jobType: record.type });
    // A job that never started has no checkpoints: skip the read on the common first slice.
    const checkpoints: Map<string, Checkpoint> = record.startDate === undefined ? new Map() : await deps.checkpoints.load(record.id);
    // Every outcome releases the lease, so one still set means the last slice died holding
    // it; it made progress if it checkpointed a step.
    const died = record.leaseExpiresAt !== undefined;
    const lostSlices = died && checkpoints.size <= (record.stepsAtAcquire ?? 0) ? (record.lostSlices ?? 0) + 1 : 0;
    const acquired = await deps.jobs.tryUpdate(
      record.id,
      merge(record.status === 'PENDING' ? statusSpec(record, 'RUNNING') : {}, bumpVersion, atVersion(record.version), {
        set: {
          leaseOwner: deps.workerId,
          leaseExpiresAt: now + deps.tuning.leaseMs,
          startDate: record.startDate ?? now,
          ...(definition?.timeoutMs !== undefined && record.deadlineAt === undefined ? { deadlineAt: now + definition.timeoutMs } : {}),
          lostSlices,
          stepsAtAcquire: checkpoints.size,
        },
        setRaw: { leaseEpoch: '#leaseEpoch + :one' },
        remove: ['dispatchedAt'],
      }),
    );
    if (!acquired) return 'skipped';
    if (record.startDate === undefined) {
      // A job asked to start later waits from its runAt: the statistics count no wait it asked for.
      const waiting = Math.max(0, now - waitsFrom(record));
      counters.jobStarted(record.tenant, now, waiting);
      emit(deps, { type: 'jobStarted', jobId: record.id, rootId: record.rootId, tenant: record.tenant, jobType: record.type, waitingMs: waiting });
    }
    if (!definition) {
      return this.#fail(ctx, acquired, new NonRetriableError(`job type ${record.type} is not registered in this worker`), null);
    }
    if (acquired.deadlineAt !== undefined && acquired.deadlineAt <= now) return this.#fail(ctx, acquired, pastDeadline(definition), null);
    if (lostSlices >= MAX_LOST_SLICES) {
      const message = `its worker stopped mid-slice ${lostSlices} times in a row without finishing a step (a crash, or a step running past the worker's timeout; keep steps well under it)`;
      return this.#fail(ctx, acquired, new NonRetriableError(message), null);
    }
    const run = new JobRun(ctx, definition, acquired, checkpoints);
    run.startHeartbeat(extendVisibility);
    try {
      return await this.#run(ctx, run, definition);
    } finally {
      await run.stopHeartbeat();
      // A lone root job (no parent, no children) is its root's only work: its slice frees no
      // slot that anything waits for and its consumed time shapes no one's share.
      if (run.record.parentId !== undefined || run.record.childrenTotal > 0) {
        const lane = laneOf(run.record);
        await this.dispatcher
          .charge(run.record, lane, deps.clock() - run.startedAt)
          .then((entry) => this.dispatcher.pumpRoot(run.record.rootId, lane, entry))
          .catch((error) => emit(deps, { type: 'warning', message: 'fairness charge or dispatch failed', jobId: record.id, error }));
      }
    }
  }

  async #run(ctx: EngineContext, run: JobRun, definition: JobDefinition): Promise<SliceOutcome> {
    let returned: unknown;
    let failure: { error: unknown } | undefined;
    try {
      returned = await definition.run(jobContext(run));
      if (!run.interrupt) await run.flushFinal();
    } catch (error) {
      run.adoptAbort();
      if (!run.interrupt && !(error instanceof InterruptSignal) && !(error instanceof LeaseLostError)) failure = { error };
    }
    // No renewal may land after the outcome releases the lease.
    await run.stopHeartbeat();
    if (failure) return this.#fail(ctx, run.record, failure.error, run);
    // A function that honoured ctx.signal may also return early: its run did not complete.
    run.adoptAbort();
    // The job function may have swallowed an interrupt; the run's own record decides.
    const outcome = await this.#settle(ctx, run, returned);
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

  async #settle(ctx: EngineContext, run: JobRun, returned: unknown): Promise<SliceOutcome> {
    if (run.interrupt === 'leaseLost') return 'leaseLost';
    if (run.interrupt === 'park') return 'parked';
    if (run.interrupt === 'timeout') return this.#fail(ctx, run.record, pastDeadline(run.definition), run);
    return unlessLeaseLost(this.#commit(ctx, run, returned));
  }

  /** Writes the slice's outcome; every write is conditional on the lease it holds. */
  async #commit(ctx: EngineContext, run: JobRun, returned: unknown): Promise<SliceOutcome> {
    const interrupt = run.interrupt;
    if (interrupt === 'stop') {
      await run.flushAll();
      if ((await stopHeld(ctx, run.record, run.lease, run.progress)) === 'stopped') return 'stopped';
      // Resumed while it was stopping: the job goes on, as after a yield.
      return this.#yield(run);
    }
    if (interrupt === 'yield') {
      await run.flushAll();
      return this.#yield(run);
    }
    const results = (returned as Record<string, unknown> | undefined) ?? run.results;
    return await finishOrPark(ctx, run.record, run.lease, { results, resultFile: run.resultFile, progress: 100 });
  }

  /** Back to the ready set: continuation slices go through fair dispatch too. */
  async #yield(run: JobRun): Promise<SliceOutcome> {
    const { deps } = this;
    const lane = laneOf(run.record);
    await this.dispatcher.touchLane(run.record, lane);
    await crashPoint('slice.yieldLaneTouched', { jobId: run.record.id, jobType: run.record.type });
    const yielded = await deps.jobs.tryUpdate(
      run.record.id,
      merge(holdsLease(run.lease), releaseLease, readySpec(run.record, deps.clock()), {
        set: { results: run.results, resultFile: run.resultFile, lostSlices: 0, ...(run.progress !== null ? { progress: run.progress } : {}) },
      }),
    );
    if (!yielded) return 'leaseLost';
    await crashPoint('slice.yielded', { jobId: yielded.id, jobType: yielded.type });
    await this.dispatcher.pumpRoot(yielded.rootId, laneOf(yielded));
    return 'yielded';
  }

  async #fail(ctx: EngineContext, record: JobRecord, error: unknown, run: JobRun | null): Promise<SliceOutcome> {
    const { deps } = this;
    const lease: Lease = run?.lease ?? leaseOf(record);
    const definition = deps.registry.get(record.type);
    const message = error instanceof Error ? error.message : String(error);
    const attempt = record.attempt + 1;
    const retriable = !(error instanceof NonRetriableError) && definition !== undefined && attempt < definition.retry.maxAttempts;
    const timedOut = error instanceof DeadlineExceededError;
    if (run && (await unlessLeaseLost(run.flushAll())) === 'leaseLost') return 'leaseLost';
    if (retriable) {
      const delayMs = Math.min(definition.retry.maxBackoffMs, definition.retry.backoffMs * 2 ** (attempt - 1));
      await deps.logs.append(record.id, [
        {
          timestamp: deps.clock(),
          level: 'INFO',
          message: `attempt ${attempt} failed: ${message}; retrying in ${Math.round(delayMs / 1000)} s`,
          additionalInfo: { attempt, error: message },
        },
      ]);
      // The job keeps its in-flight slot while it backs off; the delayed message resumes it.
      // If that message is lost (a crash right after this write), the sweeper resends it
      // once `dispatchedAt` is older than redispatchAfterMs.
      const backingOff = await deps.jobs.tryUpdate(
        record.id,
        merge(holdsLease(lease), releaseLease, { set: { attempt, lostSlices: 0, dispatchedAt: deps.clock() + delayMs } }),
      );
      if (!backingOff) return 'leaseLost';
      await crashPoint('slice.retryScheduled', { jobId: record.id, jobType: record.type });
      await this.dispatcher.send(backingOff, delayMs / 1000);
      return 'retrying';
    }
    await deps.logs.append(record.id, [
      {
        timestamp: deps.clock(),
        level: 'ERROR',
        message: `job failed: ${message}`,
        additionalInfo: {
          attempt,
          error: message,
          ...(error instanceof Error && error.stack ? { stack: error.stack.split('\n').slice(0, 8).join('\n') } : {}),
        },
      },
    ]);
    const outcome = await unlessLeaseLost(
      finishOrPark(ctx, record, lease, {
        results: run?.results,
        resultFile: run?.resultFile,
        // Held back for the next write (job-run.ts): the failure is that write.
        ...(run && run.progress !== null ? { progress: run.progress } : {}),
        hasErrors: true,
        error: message,
        ...(timedOut ? { timedOut } : {}),
      }),
    );
    if (timedOut && outcome === 'parked') await cancelTimedOutChildren(ctx, record.id);
    return outcome === 'finished' || outcome === 'parked' ? 'failed' : outcome;
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
