import * as z from 'zod';
import type { AutomaticSchedule, ScheduleDefinition, ScheduleScope } from '@stint/sdk';
import { assertMaySubmit, type Submitter } from '../auth/job-access.ts';
import { crashPoint } from '../crash-points.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { TenantScope } from '../auth/tenant-scope.ts';
import type { Job } from '../job.ts';
import { toJob, type JobRecord } from '../job-record.ts';
import { fingerprint, openCursors, type CursorCodec } from '../query/cursor.ts';
import { findLogs } from '../query/log-finder.ts';
import { runRecordPartition, scheduleKeyAt } from '../store/table-keys.ts';
import type { Planning } from './planning.ts';
import { spendRecipientAllowance } from './recipient-quota.ts';
import type { RunPointer } from './run-history.ts';
import type { ScheduleRun } from './run-record.ts';
import { runStatusOf, type RunStatus } from './run-status.ts';
import { tenantKeyOf, type ScheduleRef } from './schedule-catalog.ts';
import type { ScheduleDeps } from './schedule-deps.ts';
import { fireDue, mergeSpecs, ScheduleReconciler, trimHistory, type FireReport } from './schedule-firing.ts';
import type { ScheduleListQuery, SchedulePatch, ScheduleRunsQuery } from './schedule-input.ts';
import { buildReport, REPORT_ERROR_LINES } from './schedule-report.ts';
import { newScheduleState, plannedFields, type ReportSettings, type ScheduleState } from './schedule-store.ts';

/** One schedule of one tenant (or of the installation), as the list and its window show it. */
export interface ScheduleRow {
  id: string;
  description: string;
  jobType: string;
  scope: ScheduleScope;
  /** Null for an installation-wide schedule. */
  tenant: string | null;
  planning: Planning;
  automatic: AutomaticSchedule;
  /** What a slot does while the previous run is active: start another run, or pass. */
  overlap: 'allow' | 'skip';
  report: ReportSettings;
  nextRunAt: number | null;
  /** From the run's record, so it outlives the run's job (`jobRemoved` once the job is gone). */
  lastRun: { jobId: string; status: RunStatus; date: number; endDate: number | null; jobRemoved: boolean } | null;
  /** The last run has log lines written since this viewer last opened it. */
  unreadLogs: boolean;
  lastReport: { jobId: string; at: number; error: string | null } | null;
}

export type { ScheduleRun };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Rows one list request may read, filtered out or not. */
export const LIST_READ_BUDGET = 2_000;

const listCursor = z.strictObject({ v: z.literal(1), k: z.string().max(200) });
const runsCursor = z.strictObject({ v: z.literal(1), k: z.string().regex(/^\d{13}#[A-Za-z0-9_.:-]{1,128}$/) });

/**
 * Scheduled jobs: the rows administrators plan and watch, run now, latest executions, the
 * sweeper's firing and the reports sent when a run ends. Every read is a key, a partition
 * or an index query; rows live in one partition ordered by tenant, so a tenant's rows are
 * one prefix of it.
 */
export class Schedules {
  readonly #reconciler: ScheduleReconciler;

  constructor(private readonly deps: ScheduleDeps) {
    this.#reconciler = new ScheduleReconciler(deps);
  }

  /** The schedule the code defines under this id, if it still does. */
  definition(id: string): ScheduleDefinition | undefined {
    return this.deps.catalog.find(id);
  }

  /** The definition behind a row; 404 for an unknown id, 400 when the tenant does not fit its scope. */
  resolve(ref: ScheduleRef): ScheduleDefinition {
    return this.deps.catalog.resolve(ref);
  }

  /** Whether reports can be sent (a report topic is configured). */
  get reportsEnabled(): boolean {
    return this.deps.reports.enabled;
  }

  /** The sweeper's part: reconcile rows with the code and tenants, then start what is due. */
  async fireDue(): Promise<FireReport> {
    return fireDue(this.deps, this.#reconciler);
  }

  /** `cursors` as for findJobs: the api's seal what they hand out. */
  async list(scope: TenantScope, query: ScheduleListQuery, viewer: string, cursors: CursorCodec): Promise<Page<ScheduleRow>> {
    await this.#reconciler.reconcile();
    const prefix = 'tenant' in scope ? `${scope.tenant}#` : '';
    const print = fingerprint([prefix, query.status, query.text]);
    let startKey: Record<string, unknown> | undefined;
    if (query.cursor !== null) {
      startKey = scheduleKeyAt(cursors.decode(query.cursor, listCursor, print).k);
    }
    const rows: ScheduleRow[] = [];
    let read = 0;
    let nextSk: string | null = null;
    for (;;) {
      const page = await this.deps.store.page({ prefix, limit: 100, ...(startKey ? { startKey } : {}) });
      read += page.rows.length;
      const candidates = page.rows.filter(
        (state) => this.deps.catalog.find(state.scheduleId) && (query.text === null || state.scheduleId.includes(query.text)),
      );
      const built = new Map((await this.#rows(candidates)).map((row, index) => [candidates[index]!.sk, row]));
      let full = false;
      for (const [index, state] of page.rows.entries()) {
        const row = built.get(state.sk);
        if (row && (query.status === null || (row.lastRun !== null && query.status.includes(row.lastRun.status)))) rows.push(row);
        if (rows.length === query.size) {
          full = true;
          // More may follow this row: later rows of the page, or further pages.
          nextSk = index < page.rows.length - 1 || page.lastKey ? state.sk : null;
          break;
        }
      }
      if (full || !page.lastKey) break;
      startKey = page.lastKey;
      if (read >= LIST_READ_BUDGET) {
        nextSk = page.rows.at(-1)!.sk;
        break;
      }
    }
    await this.#markUnread(rows, viewer);
    return { items: rows, nextCursor: nextSk === null ? null : cursors.encode({ v: 1, k: nextSk }, print) };
  }

  async get(ref: ScheduleRef, scope: TenantScope, viewer: string): Promise<ScheduleRow> {
    const state = await this.#state(ref, scope);
    const [row] = await this.#rows([state]);
    await this.#markUnread([row!], viewer);
    return row!;
  }

  /**
   * Changes planning and report settings; new recipients are counted against the row's daily
   * allowance (429 beyond it) and subscribed before the row changes.
   */
  async update(ref: ScheduleRef, scope: TenantScope, patch: SchedulePatch): Promise<ScheduleRow> {
    const definition = this.deps.catalog.resolve(ref);
    // Addresses already counted by an earlier attempt of this save are not counted again.
    const counted = new Set<string>();
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = await this.#state(ref, scope);
      if (patch.report) {
        const known = new Set(state.report.recipients);
        const added = patch.report.recipients.filter((email) => !known.has(email));
        const uncounted = added.filter((email) => !counted.has(email));
        await spendRecipientAllowance(this.deps.store, state, uncounted.length, this.deps.clock());
        for (const email of uncounted) counted.add(email);
        await this.deps.reports.subscribe(added);
      }
      const updated = await this.deps.store.update(
        state,
        mergeSpecs(
          patch.planning ? plannedFields(state, patch.planning, definition.automatic, this.deps.clock()) : {},
          patch.report ? { set: { report: patch.report } } : {},
        ),
      );
      if (updated) return (await this.#rows([updated]))[0]!;
    }
    throw new ConflictError(`schedule ${ref.id} is being changed by someone else; try again`);
  }

  /**
   * Starts a run of each schedule now, whatever its planning, as `submitter` (who then shows as
   * having run it). All are checked before any starts, the job type's access included.
   */
  async runNow(refs: readonly ScheduleRef[], scope: TenantScope, submitter: Submitter): Promise<Job[]> {
    const states = [];
    for (const ref of refs) {
      const definition = this.deps.catalog.resolve(ref);
      const state = await this.#state(ref, scope);
      assertMaySubmit(this.deps.catalog.jobTypeOf(definition), submitter, state.tenant);
      states.push({ ref, definition, state });
    }
    const jobs: Job[] = [];
    for (const { ref, definition, state } of states) {
      const { job } = await this.deps.submit({ type: definition.jobType, tenant: state.tenant, data: definition.data, scheduleId: ref.id, submitter });
      // A crash here leaves the run without a record until its job ends: runEnded writes it then.
      await crashPoint('schedule.runSubmitted', { jobId: job.id, jobType: job.type });
      await this.deps.history.started(ref.id, job);
      await this.#pointAt(state.tenant, ref.id, job);
      await trimHistory(this.deps, state.tenant, ref.id);
      jobs.push(job);
    }
    return jobs;
  }

  /** Latest executions, newest first, from the schedule's run records; optionally only those whose run ended a given way. */
  async runs(ref: ScheduleRef, scope: TenantScope, query: ScheduleRunsQuery, cursors: CursorCodec): Promise<Page<ScheduleRun>> {
    const state = await this.#state(ref, scope);
    const partition = runRecordPartition(state.tenant, ref.id);
    const print = fingerprint([partition, query.status]);
    let startKey: Record<string, unknown> | undefined;
    if (query.cursor !== null) startKey = { pk: partition, sk: cursors.decode(query.cursor, runsCursor, print).k };
    const items: ScheduleRun[] = [];
    let budget = query.size * 5;
    let last: string | undefined;
    do {
      const page = await this.deps.history.page(state.tenant, ref.id, { limit: Math.min(100, query.size * 2), startKey });
      budget -= page.records.length;
      const runs = await this.deps.history.view(page.records);
      for (const [index, run] of runs.entries()) {
        last = page.records[index]!.sk;
        if (query.status !== null && !query.status.includes(run.runStatus)) continue;
        items.push(run);
        if (items.length === query.size) break;
      }
      startKey = page.lastKey;
    } while (items.length < query.size && startKey && budget > 0);
    const more = items.length === query.size ? last !== undefined : startKey !== undefined;
    return { items, nextCursor: more && last ? cursors.encode({ v: 1, k: last }, print) : null };
  }

  /** The viewer opened this run (its logs): its unread marker clears until it logs again. */
  async markSeen(viewer: string, job: Pick<Job, 'id' | 'scheduleId'>): Promise<void> {
    if (job.scheduleId === null) return;
    const now = this.deps.clock();
    await this.deps.store.markSeen(viewer, job.id, now, Math.floor(now / 1000) + this.deps.retentionDays * 86_400);
  }

  /** A run's job is about to be deleted: its record must hold its end first. */
  async runRemoved(record: JobRecord): Promise<void> {
    await this.deps.history.settleBeforeRemoval(record);
  }

  /**
   * A run ended: record its outcome, and send its report when the schedule's reporting is on.
   * The row records which run was reported first (a conditional write), so a report goes out
   * once per run.
   */
  async runEnded(record: JobRecord): Promise<void> {
    if (!record.scheduleId) return;
    // The record first: it is what the schedule's pages show of this run once the job is gone.
    // One not written now is settled by the next reader or by the job's deletion; the report still goes.
    await this.deps.history.ended(record, true).catch((error: unknown) => {
      this.deps.onEvent?.({ type: 'warning', message: 'a schedule run record could not take its end', jobId: record.id, error });
    });
    const definition = this.deps.catalog.find(record.scheduleId);
    const state = await this.deps.store.get(record.tenant, record.scheduleId);
    // A run the row never pointed at (run now, or a slot, cut short by a crash) becomes its last run when it ends.
    if (state && (state.lastRunAt === undefined || state.lastRunAt < record.createDate)) await this.#pointAt(state.tenant, state.scheduleId, record);
    if (!definition || !state?.report.enabled || state.report.recipients.length === 0) return;
    const now = this.deps.clock();
    const claimed = await this.deps.store.touch(state.tenant, state.scheduleId, {
      set: { lastReport: { jobId: record.id, at: now } },
      condition: 'attribute_exists(#pk) AND (attribute_not_exists(#lastReport) OR #lastReport.#jobId <> :job)',
      values: { ':job': record.id },
    });
    if (!claimed) return;
    const job = toJob(record, now);
    const errors = await findLogs(
      this.deps.jobs,
      record.id,
      { level: 'ERROR', message: null, from: null, to: null, period: null, timeZone: 'UTC', size: REPORT_ERROR_LINES, cursor: null, after: null },
      now,
      { cursors: openCursors },
    );
    const report = buildReport(definition, this.#refOf(state).tenant, job, runStatusOf(job), errors.items);
    try {
      await this.deps.reports.publish(report, state.report.recipients);
    } catch (error) {
      await this.deps.store.touch(state.tenant, state.scheduleId, {
        set: { lastReport: { jobId: record.id, at: now, error: (error as Error).message.slice(0, 500) } },
        condition: '#lastReport.#jobId = :job',
        values: { ':job': record.id },
      });
      throw error;
    }
  }

  /** The row behind a ref, visible in the scope; created on first use (a new tenant before the next sweep). */
  async #state(ref: ScheduleRef, scope: TenantScope): Promise<ScheduleState> {
    const definition = this.deps.catalog.resolve(ref);
    if ('tenant' in scope && ref.tenant !== scope.tenant) {
      throw new NotFoundError(ref.tenant === null ? `schedule ${ref.id} not found` : `schedule ${ref.id} of tenant ${ref.tenant} not found`);
    }
    const tenant = tenantKeyOf(ref);
    const found = await this.deps.store.get(tenant, ref.id);
    if (found) return found;
    if (ref.tenant !== null && !(await this.deps.tenants.list()).includes(ref.tenant)) {
      throw new NotFoundError(`schedule ${ref.id} of tenant ${ref.tenant} not found`);
    }
    await this.deps.store.create(newScheduleState(ref.id, tenant, definition.automatic, this.deps.clock()));
    return (await this.deps.store.get(tenant, ref.id))!;
  }

  /** Makes `job` the row's last run unless a later run is already. */
  async #pointAt(tenant: string, scheduleId: string, job: Pick<Job, 'id' | 'createDate'>): Promise<void> {
    await this.deps.store.touch(tenant, scheduleId, {
      set: { lastJobId: job.id, lastRunAt: job.createDate },
      condition: 'attribute_exists(#pk) AND (attribute_not_exists(#lastRunAt) OR #lastRunAt <= :at)',
      values: { ':at': job.createDate },
    });
  }

  #refOf(state: ScheduleState): ScheduleRef {
    const definition = this.deps.catalog.find(state.scheduleId);
    return { id: state.scheduleId, tenant: definition?.scope === 'installation' ? null : state.tenant };
  }

  /** Rows for stored states: their definitions and their last runs (a BatchGet of their records and one of their jobs). */
  async #rows(states: readonly ScheduleState[]): Promise<ScheduleRow[]> {
    const pointers = states.flatMap((state): RunPointer[] =>
      state.lastJobId && state.lastRunAt !== undefined
        ? [{ tenant: state.tenant, scheduleId: state.scheduleId, jobId: state.lastJobId, createDate: state.lastRunAt }]
        : [],
    );
    const lastRuns = await this.deps.history.latest(pointers);
    return states.map((state) => {
      const definition: ScheduleDefinition = this.deps.catalog.find(state.scheduleId)!;
      const run = state.lastJobId ? lastRuns.get(state.lastJobId) : undefined;
      return {
        id: definition.id,
        description: definition.description,
        jobType: definition.jobType,
        scope: definition.scope,
        tenant: this.#refOf(state).tenant,
        planning: state.planning,
        automatic: definition.automatic,
        overlap: definition.overlap ?? 'allow',
        report: state.report,
        nextRunAt: state.nextRunAt ?? null,
        lastRun: run ? { jobId: run.id, status: run.runStatus, date: run.startDate ?? run.createDate, endDate: run.endDate, jobRemoved: run.jobRemoved } : null,
        unreadLogs: false,
        lastReport: state.lastReport ? { jobId: state.lastReport.jobId, at: state.lastReport.at, error: state.lastReport.error ?? null } : null,
      };
    });
  }

  /** Sets `unreadLogs` on rows whose last run logged after this viewer last opened it. */
  async #markUnread(rows: ScheduleRow[], viewer: string): Promise<void> {
    // A removed job's logs went with it.
    const withRuns = rows.filter((row) => row.lastRun !== null && !row.lastRun.jobRemoved);
    if (withRuns.length === 0) return;
    const seen = await this.deps.store.seen(
      viewer,
      withRuns.map((row) => row.lastRun!.jobId),
    );
    await Promise.all(
      withRuns.map(async (row) => {
        const newest = await this.deps.store.newestLogAt(row.lastRun!.jobId);
        row.unreadLogs = newest !== null && newest > (seen.get(row.lastRun!.jobId) ?? 0);
      }),
    );
  }
}
