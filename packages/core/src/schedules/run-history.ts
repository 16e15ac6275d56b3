import type { EngineEvent } from '../engine/deps.ts';
import type { JobRecord } from '../job-record.ts';
import type { JobStore } from '../store/job-store.ts';
import { runRecordKey, runRecordPartition } from '../store/table-keys.ts';
import { endedSpec, needsSettling, runView, startedRecord, type RunJob, type RunRecord, type ScheduleRun } from './run-record.ts';

/** Records deleted by one trim at most (one BatchWriteItem); a longer backlog goes at the next runs. */
const TRIM_BATCH = 25;

/** A run a schedule row points at (its last run), from the row's `lastJobId` and `lastRunAt`. */
export interface RunPointer {
  tenant: string;
  scheduleId: string;
  jobId: string;
  createDate: number;
}

/**
 * The schedules' run records over the one table (run-record.ts): written when a run starts
 * and when its job ends, settled by whoever finds a job ended that its record does not show
 * (a read of the pages, a delete of the job), trimmed to the newest RUNS_KEPT.
 */
export class RunHistory {
  readonly #kept: number;
  readonly #onEvent: ((event: EngineEvent) => void) | undefined;

  constructor(
    readonly table: JobStore,
    readonly clock: () => number,
    options: { runsKept: number; onEvent?: (event: EngineEvent) => void },
  ) {
    this.#kept = options.runsKept;
    this.#onEvent = options.onEvent;
  }

  /** The run started. A record already there (the slot fired again after a crash, or the run's end recorded first) is kept. */
  async started(scheduleId: string, job: RunJob): Promise<void> {
    await this.table.putIfAbsent(startedRecord(scheduleId, job));
  }

  /**
   * The run's job ended: its record takes the outcome. `create` when the run may have no
   * record yet (the process that started it died before writing one); false when the record
   * was read just now, so a run trimmed from the history meanwhile is not recorded again.
   */
  async ended(job: JobRecord, create: boolean): Promise<void> {
    const { key, spec } = endedSpec(job, this.clock());
    await this.table.tryUpdateItem(key, spec(create));
  }

  /**
   * The job is about to be removed: its record takes its end first, unless it holds it (read
   * first: nearly always it does, and a read costs half a write).
   */
  async settleBeforeRemoval(job: JobRecord): Promise<void> {
    const record = (await this.table.getItem(endedSpec(job, this.clock()).key, false)) as RunRecord | undefined;
    if (record && needsSettling(record, job)) await this.ended(job, false);
  }

  /** Runs as the pages show them: each record with its job's live state while the job is there. */
  async view(records: readonly RunRecord[]): Promise<ScheduleRun[]> {
    const jobs = await this.table.getMany(records.map((record) => record.jobId));
    await Promise.all(records.map((record) => this.#repair(record.scheduleId, record, jobs.get(record.jobId))));
    const now = this.clock();
    return records.map((record) => runView(record, jobs.get(record.jobId), now));
  }

  /**
   * The runs schedule rows point at, by job id. A run pointed at with no record (started before
   * run records existed) is recorded from its job now; with neither, it reads `unknown`.
   */
  async latest(pointers: readonly RunPointer[]): Promise<Map<string, ScheduleRun>> {
    const [items, jobs] = await Promise.all([
      this.table.getItems(pointers.map((p) => runRecordKey(p.tenant, p.scheduleId, p.createDate, p.jobId))),
      this.table.getMany(pointers.map((p) => p.jobId)),
    ]);
    const records = new Map(items.map((item) => [item.jobId as string, item as unknown as RunRecord]));
    await Promise.all(pointers.map((p) => this.#repair(p.scheduleId, records.get(p.jobId), jobs.get(p.jobId))));
    const now = this.clock();
    return new Map(
      pointers.map((p) => {
        const job = jobs.get(p.jobId);
        const record =
          records.get(p.jobId) ?? startedRecord(p.scheduleId, job ?? { id: p.jobId, type: '', label: '', tenant: p.tenant, createDate: p.createDate });
        return [p.jobId, runView(record, job, now)];
      }),
    );
  }

  /** A page of a schedule's records, newest first. */
  async page(tenant: string, scheduleId: string, options: { limit: number; startKey?: Record<string, unknown> | undefined }) {
    const page = await this.table.queryPartition(runRecordPartition(tenant, scheduleId), '', {
      ascending: false,
      limit: options.limit,
      ...(options.startKey ? { startKey: options.startKey } : {}),
    });
    return { records: page.items as unknown as RunRecord[], lastKey: page.lastKey };
  }

  /**
   * Keeps the newest `runsKept` records (RUNS_KEPT). Reads them to find what lies beyond
   * (DynamoDB has no offset): about 4 read units once a history of 100 is full, paid once per
   * run started.
   */
  async trim(tenant: string, scheduleId: string): Promise<number> {
    const { records } = await this.page(tenant, scheduleId, { limit: this.#kept + TRIM_BATCH });
    const stale = records.slice(this.#kept);
    await this.table.batchWrite(stale.map((record) => ({ DeleteRequest: { Key: { pk: record.pk, sk: record.sk } } })));
    return stale.length;
  }

  /**
   * Writes what a reader found missing: an end the record does not hold, or a record for a run
   * that has none. A read never fails because of this bookkeeping; the next read tries again.
   */
  async #repair(scheduleId: string, record: RunRecord | undefined, job: JobRecord | undefined): Promise<void> {
    let write: Promise<void> | undefined;
    if (needsSettling(record, job)) write = this.ended(job, record === undefined);
    else if (record === undefined && job !== undefined) write = this.started(scheduleId, job);
    await write?.catch((error: unknown) => this.#onEvent?.({ type: 'warning', message: 'a schedule run record could not be written', jobId: job!.id, error }));
  }
}
