import { NonRetriableError, type ChildOutcome, type JobDefinition, type SpawnOptions, type StepOptions } from '@stint/sdk';
import type { Checkpoint } from '../store/checkpoint-store.ts';
import { crashPoint } from '../crash-points.ts';
import { LeaseLostError } from '../errors.ts';
import type { LogLevel } from '../store/log-store.ts';
import type { EventWait } from '../job.ts';
import type { JobRecord } from '../job-record.ts';
import type { EngineContext } from './context.ts';
import { emit } from './deps.ts';
import { ChildSpawns } from './child-spawns.ts';
import { LogBuffer } from './log-buffer.ts';
import { withinStepTimeout } from './step-timeout.ts';
import { sleepSpec, startDelayed, wakeLater } from './delayed-start.ts';
import { assertEventAddress, eventAnswer, registerWaiter, removeWaiter, type EventAnswer } from './events.ts';
import { childOutcomes, recountIfRetried } from './job-tree.ts';
import { parkSpec } from './slice-outcomes.ts';
import { ProofSchedule } from './proof-schedule.ts';
import { Replay } from './replay.ts';
import { StepNames } from './step-names.ts';
import { carriesLease, holdsLease, leaseOf, merge, type Lease } from './transitions.ts';

/** Why a run stopped before its function returned. */
export type Interrupt = 'stop' | 'yield' | 'park' | 'leaseLost' | 'timeout';

export class InterruptSignal extends Error {
  constructor(readonly interrupt: Interrupt) {
    super(`slice interrupted: ${interrupt}`);
    this.name = 'InterruptSignal';
  }
}

/** The latest time a Date can hold (and a delayed-set sort key orders). */
const MAX_WAKE_AT = 8.64e15;

/**
 * One slice of one job: the context the job function sees, and the bookkeeping that makes
 * its steps effectively-once (replay.ts says where a replay ends).
 */
export class JobRun {
  record: JobRecord;
  interrupt: Interrupt | null = null;
  results: Record<string, unknown> | undefined;
  resultFile: string | undefined;
  readonly startedAt: number;
  readonly controller = new AbortController();
  /** The lease this slice took; every write it makes is fenced by it. */
  readonly lease: Lease;
  /** The children this slice spawns. */
  readonly spawns = new ChildSpawns(this);

  readonly #replay: Replay;
  #pending: Checkpoint | null = null;
  readonly #logs: LogBuffer;
  #errorLogged = false;
  #progress: number | null = null;
  readonly #proofs: ProofSchedule;
  readonly #names = new StepNames();
  /** Learned from the item at each proof, and first from the acquired one (the first boundary may not prove). */
  #stopRequested: boolean;
  #heartbeat: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #beat: Promise<void> = Promise.resolve();

  constructor(
    readonly ctx: EngineContext,
    readonly definition: JobDefinition,
    record: JobRecord,
    readonly checkpoints: Map<string, Checkpoint>,
  ) {
    this.record = record;
    this.lease = leaseOf(record);
    this.#stopRequested = record.status === 'STOPPING';
    this.startedAt = ctx.deps.clock();
    this.#proofs = new ProofSchedule(ctx.deps.tuning.leaseMs, this.startedAt);
    this.#replay = new Replay(checkpoints, record.spawned ?? 0);
    this.#logs = new LogBuffer(
      (lines) => this.deps.logs.append(record.id, lines),
      this.deps.clock,
      (error) => emit(this.deps, { type: 'warning', message: 'log lines could not be written', jobId: record.id, error }),
    );
    // The job's deadline aborts ctx.signal in the middle of a step; the boundary ends the run.
    if (record.deadlineAt !== undefined) {
      this.#deadline = setTimeout(() => this.controller.abort(new InterruptSignal('timeout')), Math.max(0, record.deadlineAt - this.startedAt));
      this.#deadline.unref();
    }
  }

  get deps() {
    return this.ctx.deps;
  }

  /** Renews the lease (and the message's visibility) every third of the lease while the slice runs. */
  startHeartbeat(extendVisibility?: () => Promise<void>): void {
    const every = this.#proofs.renewEveryMs;
    this.#heartbeat = setInterval(() => {
      this.#beat = Promise.all([
        this.prove(true).catch(() => undefined),
        extendVisibility?.().catch((error) => emit(this.deps, { type: 'warning', message: 'visibility extension failed', jobId: this.record.id, error })),
      ]).then(() => undefined);
    }, every);
    this.#heartbeat.unref();
  }

  /**
   * Stops the heartbeat and waits for a beat in flight. Called before the slice commits its
   * outcome, so no renewal is sent after the lease is released (and the owner fence in
   * `holdsLease` refuses one that was already on its way).
   */
  async stopHeartbeat(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#logs.cancel();
    clearTimeout(this.#deadline);
    await this.#beat;
  }

  /** 0..100, recorded unless the run is replaying (then it was recorded the first time). */
  reportProgress(percent: number): void {
    if (!this.#replay.replaying) this.#progress = Math.max(0, Math.min(100, Math.round(percent)));
  }

  log(level: LogLevel, message: string, additionalInfo?: Record<string, unknown>): void {
    if (this.#replay.replaying) return;
    this.#logs.add({ timestamp: this.deps.clock(), level, message: String(message), additionalInfo: additionalInfo ?? null });
    if (level === 'ERROR') this.#errorLogged = true;
  }

  async step<T>(name: string, fn: () => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    if (this.interrupt) throw new InterruptSignal(this.interrupt);
    this.#names.step(name);
    const stored = this.checkpoints.get(name);
    if (stored) {
      this.spawns.seq = stored.spawnSeq;
      this.#replay.read(false, name);
      return stored.result as T;
    }
    this.#replay.end();
    await this.boundary();
    const value = await withinStepTimeout(this.controller, name, fn, options.timeoutMs);
    await crashPoint('slice.stepDone', { jobId: this.record.id, jobType: this.record.type });
    if (this.interrupt) throw new InterruptSignal(this.interrupt);
    // Results are stored as JSON; the replayed value must equal what a first run returned.
    const result = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
    this.#pending = { name, result, spawnSeq: this.spawns.seq };
    return result as T;
  }

  /**
   * A step boundary: prove the lease (which also writes an error logged), store the previous
   * step's checkpoint, write log lines held for a second, then honour a stop or an exhausted
   * slice budget.
   */
  async boundary(options: { mayYield?: boolean } = {}): Promise<void> {
    // A boundary that may park (children, a sleep, an event) writes progress held back: the
    // park's own write does not carry it, and the job may wait a long while.
    const force = options.mayYield === false && this.#progress !== null;
    if (!this.#proofs.acquireProves(this.deps.clock(), this.#heldBack(force))) await this.prove(force);
    await this.#savePending();
    // A park ends the slice without an outcome that would write the lines held back.
    if (options.mayYield === false) await this.#logs.flush();
    else await this.#logs.atBoundary();
    if (this.record.deadlineAt !== undefined && this.deps.clock() >= this.record.deadlineAt) this.#interrupt('timeout');
    else if (this.#stopRequested && this.definition.stoppable) this.#interrupt('stop');
    else if ((options.mayYield ?? true) && this.deps.clock() - this.startedAt >= this.deps.tuning.sliceBudgetMs) this.#interrupt('yield');
  }

  /**
   * Proves the lease and learns whether a stop was requested. Renewing the lease, progress
   * and the errors flag is a conditional write; until a renewal is due (proof-schedule.ts), with
   * nothing to write (progress waits up to a second), a strongly consistent read
   * checks the same fence. Either way a revoked lease raises LeaseLostError.
   */
  async prove(force = false): Promise<void> {
    const now = this.deps.clock();
    const mustWrite = this.#proofs.mustWrite(now, this.#heldBack(force));
    const current = mustWrite
      ? await this.deps.jobs.tryUpdate(
          this.record.id,
          merge(holdsLease(this.lease), {
            set: {
              leaseExpiresAt: now + this.deps.tuning.leaseMs,
              ...(this.#progress !== null ? { progress: this.#progress } : {}),
              ...(this.#errorLogged ? { hasErrors: true } : {}),
            },
          }),
        )
      : await this.deps.jobs.get(this.record.id);
    if (!carriesLease(current, this.lease)) {
      this.#interrupt('leaseLost');
      throw new LeaseLostError(this.record.id);
    }
    this.record = current;
    if (mustWrite) {
      this.#proofs.written(now);
      this.#progress = null;
      this.#errorLogged = false;
    }
    // A resume of the tree can turn a STOPPING job back to RUNNING (cascade.ts).
    this.#stopRequested = current.status === 'STOPPING';
    if (this.#stopRequested && this.definition.stoppable) this.controller.abort(new InterruptSignal('stop'));
  }

  #heldBack(force: boolean) {
    return { force, progress: this.#progress !== null, errorLogged: this.#errorLogged };
  }

  async flushLogs(): Promise<void> {
    await this.#logs.flush();
    // An error logged is always written (`prove`).
    if (this.#errorLogged) await this.prove();
  }

  async spawn(type: string, data: Record<string, unknown>, options: SpawnOptions = {}): Promise<string> {
    if (this.interrupt) throw new InterruptSignal(this.interrupt);
    return this.spawns.spawn(type, data, options);
  }

  async flushSpawns(): Promise<void> {
    await this.spawns.flush();
  }

  async waitForChildren(): Promise<ChildOutcome[]> {
    if (this.interrupt) throw new InterruptSignal(this.interrupt);
    await this.flushSpawns();
    this.#replay.atWaitForChildren(this.spawns.seq, this.record.spawned ?? 0);
    if (this.record.childrenDone < this.record.childrenTotal) {
      this.#replay.end();
      // Parking ends the slice as a yield would, and keeps the parent out of the line its
      // own children wait in: an exhausted budget is no reason to yield here.
      await this.boundary({ mayYield: false });
      const parked = await this.deps.jobs.tryUpdate(
        this.record.id,
        merge(holdsLease(this.lease), parkSpec(this.record, 'waiting', this.deps.clock()), {
          set: { results: this.results, lostSlices: 0 },
          condition: '#status = :running AND #childrenDone < #childrenTotal',
        }),
      );
      if (parked) {
        this.record = parked;
        await recountIfRetried(this.ctx, parked);
        this.#interrupt('park');
        throw new InterruptSignal('park');
      }
      // The park was refused (the last child ended, a stop came, the lease went): the boundary
      // just proved the lease, so a read tells which, and what the item holds now.
      await this.prove();
    }
    return childOutcomes(this.deps, this.record);
  }

  /**
   * A durable sleep (delayed-start.ts has the wake-up side). The first time, the wake-up time
   * is stored as the step's checkpoint — after the spawns so far are counted —, then the job
   * parks in the delayed set, holding no worker; a replay reads the time back, so a sleep is
   * never slept twice and a job resumed early sleeps only the rest. A slice that goes on past
   * the sleep stores `<name>#passed` too (lazily, as a step's checkpoint): a later replay then
   * goes on past the sleep, instead of ending where a slice before parked.
   */
  async sleep(name: string, wakeAt: () => number): Promise<void> {
    if (this.interrupt) throw new InterruptSignal(this.interrupt);
    const passedMark = this.#names.sleep(name);
    await this.flushSpawns();
    const stored = this.checkpoints.get(name);
    if (stored) {
      this.spawns.seq = stored.spawnSeq;
      const until = (stored.result as { wakeAt: number }).wakeAt;
      const passed = this.checkpoints.has(passedMark);
      const endsHere = this.#replay.read(!passed, name, passedMark);
      if (!passed && until > this.deps.clock()) return this.#sleepUntil(until);
      if (endsHere) this.#pending = { name: passedMark, result: undefined, spawnSeq: stored.spawnSeq };
      return;
    }
    this.#replay.end();
    await this.boundary({ mayYield: false });
    const until = wakeAt();
    if (!Number.isFinite(until) || until > MAX_WAKE_AT) throw new NonRetriableError(`sleep "${name}" needs a finite time before year 275760`);
    this.#pending = { name, result: { wakeAt: until }, spawnSeq: this.spawns.seq };
    await this.#savePending();
    if (until > this.deps.clock()) return this.#sleepUntil(until);
    this.#pending = { name: passedMark, result: undefined, spawnSeq: this.spawns.seq };
  }

  async #sleepUntil(until: number): Promise<never> {
    await wakeLater(this.ctx, await this.#parkDelayed(until));
    throw new InterruptSignal('park');
  }

  /**
   * Parks the running job in the delayed set until `until` — or its deadline, if sooner, which
   * wakes it to be ended (slice-runner.ts) — holding no worker.
   */
  async #parkDelayed(until: number, eventWait?: EventWait): Promise<JobRecord> {
    const parked = await this.deps.jobs.tryUpdate(
      this.record.id,
      merge(holdsLease(this.lease), sleepSpec(this.record, Math.min(until, this.record.deadlineAt ?? until), eventWait), {
        set: { results: this.results, lostSlices: 0 },
        condition: '#status = :running',
      }),
    );
    if (!parked) {
      // A stop arrived: the boundary honours it; a job that cannot stop parks on a later slice.
      await this.boundary({ mayYield: false });
      this.#interrupt('yield');
    }
    this.record = parked!;
    // Parked before anything is sent: a heartbeat meanwhile finds the lease released, as it should.
    this.#interrupt('park');
    return parked!;
  }

  /** A wait for an outside event (events.ts): resolved by an event or by its timeout, once, as a checkpoint. */
  async waitForEvent(name: string, key: string, timeoutMs: number): Promise<unknown> {
    if (this.interrupt) throw new InterruptSignal(this.interrupt);
    assertEventAddress(name, key);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new NonRetriableError(`waitForEvent "${name}" needs a timeoutMs of a whole number of ms ≥ 1`);
    // When the wait began is stored too: a replay counts events and the timeout from it.
    const { step, began: startName } = this.#names.eventWait(name, key);
    await this.flushSpawns();
    const resolved = this.checkpoints.get(step);
    if (resolved) {
      this.spawns.seq = resolved.spawnSeq;
      // Its answer was stored by a slice that went on past it: replay goes on too.
      this.#replay.read(false, step, startName);
      return (resolved.result as EventAnswer).data;
    }
    let began = this.checkpoints.get(startName)?.result as { since: number; until: number } | undefined;
    this.#replay.end();
    await this.boundary({ mayYield: false });
    if (!began) {
      const now = this.deps.clock();
      began = { since: now, until: Math.min(now + timeoutMs, MAX_WAKE_AT) };
      this.#pending = { name: startName, result: began, spawnSeq: this.spawns.seq };
      await this.#savePending();
    }
    const { tenant, id } = this.record;
    const answer = await eventAnswer(this.ctx, tenant, { name, key, ...began }, this.checkpoints);
    if (answer) {
      this.#pending = { name: step, result: answer, spawnSeq: this.spawns.seq };
      await this.#savePending();
      await removeWaiter(this.ctx, tenant, name, key, id);
      return answer.data;
    }
    await registerWaiter(this.ctx, tenant, name, key, id, began.until);
    const waiting = await this.#parkDelayed(began.until, { name, key, until: began.until });
    // An event sent while the waiter was being written found none: look once more.
    if (await eventAnswer(this.ctx, tenant, { name, key, ...began }, this.checkpoints)) await startDelayed(this.ctx, waiting);
    else await wakeLater(this.ctx, waiting);
    throw new InterruptSignal('park');
  }

  /**
   * Everything buffered, before the slice commits an outcome after which the job runs again
   * (stop, yield, retry): the last finished step's checkpoint included, so it is not re-run.
   */
  async flushAll(): Promise<void> {
    await this.#savePending();
    await this.flushOutputs();
  }

  /** Spawns and logs, before the job finishes: no replay follows, so no checkpoint is needed. */
  async flushOutputs(): Promise<void> {
    await this.flushSpawns();
    await this.flushLogs();
  }

  /**
   * What a run that returned leaves behind. A parent keeps its last step's checkpoint too: a
   * retry of its failed children replays it (retry.ts), and without it that step would run
   * again. A job without children never replays after it finished, so it skips the write.
   */
  async flushFinal(): Promise<void> {
    await this.flushSpawns();
    if (this.record.childrenTotal > 0) await this.#savePending();
    await this.flushLogs();
  }

  /**
   * The last finished step's checkpoint, written lazily so a one-step job never pays for it.
   * Children it spawned are written first: a checkpoint tells a replay to skip those spawns.
   */
  async #savePending(): Promise<void> {
    if (!this.#pending) return;
    await this.spawns.write();
    await this.deps.checkpoints.save(this.record.id, this.#pending);
    await crashPoint('slice.checkpointSaved', { jobId: this.record.id, jobType: this.record.type });
    this.checkpoints.set(this.#pending.name, this.#pending);
    this.#pending = null;
  }

  get progress(): number | null {
    return this.#progress;
  }

  /**
   * When ctx.signal was aborted (a stop seen by the heartbeat), whatever the job function did
   * next — throw the abort, or return early — ends the slice as that interrupt, not as a
   * failure or a completion. The step it was in is not checkpointed and runs again on resume.
   */
  adoptAbort(): void {
    const reason: unknown = this.controller.signal.reason;
    if (!this.interrupt && this.controller.signal.aborted && reason instanceof InterruptSignal) this.interrupt = reason.interrupt;
  }

  #interrupt(kind: Interrupt): void {
    this.interrupt ??= kind;
    if (kind !== 'park') this.controller.abort(new InterruptSignal(kind));
    if (kind === 'stop' || kind === 'yield' || kind === 'timeout') throw new InterruptSignal(kind);
  }
}
