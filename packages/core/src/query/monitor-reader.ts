import type { TenantDirectory } from '../auth/tenant-directory.ts';
import type { TenantScope } from '../auth/tenant-scope.ts';
import type { Job } from '../job.ts';
import type { JobStore } from '../store/job-store.ts';
import type { Listing } from '../store/table-keys.ts';
import type { CursorCodec } from './cursor.ts';
import { findJobs, jobPages, type FindJobsResult, type JobScope } from './job-finder.ts';
import type { JobQuery } from './job-query.ts';
import { findLogs, type FindLogsResult } from './log-finder.ts';
import type { LogQuery } from './log-query.ts';
import { readStats, readSummary, summaryListings, type StatsInterval, type StatsResult, type SummaryRead } from './stats-reader.ts';

export interface MonitorReaderDeps {
  jobs: JobStore;
  tenants: TenantDirectory;
  clock: () => number;
}

/** The finder's form of a scope: all tenants means every tenant the directory knows. */
export async function finderScope(scope: TenantScope, tenants: TenantDirectory): Promise<JobScope> {
  if ('tenant' in scope) return { tenant: scope.tenant };
  return { allTenants: true, tenants: await tenants.list() };
}

/**
 * What the monitor shows, read in a caller's scope: pages of jobs, a job's logs, the cards and
 * the charts. The api's routes, the monitor's pages and the system jobs all read through it, so
 * a scope means the same everywhere: an all-tenant scope is every tenant the directory knows.
 * `now` defaults to the engine's clock; a request that reads several things passes one instant.
 */
export class MonitorReader {
  readonly #deps: MonitorReaderDeps;

  constructor(deps: MonitorReaderDeps) {
    this.#deps = deps;
  }

  /** One page of the jobs the query matches. */
  async jobs(scope: TenantScope, query: JobQuery, cursors: CursorCodec, now = this.#deps.clock()): Promise<FindJobsResult> {
    return findJobs(this.#deps.jobs, await finderScope(scope, this.#deps.tenants), query, now, cursors);
  }

  /** Every page of the jobs the query matches, for exports. */
  async *jobPages(scope: TenantScope, query: JobQuery, cursors: CursorCodec, now = this.#deps.clock()): AsyncGenerator<Job[], void, undefined> {
    yield* jobPages(this.#deps.jobs, await finderScope(scope, this.#deps.tenants), query, now, cursors);
  }

  /** One page of a job's log lines. The caller has loaded the job in its scope first. */
  logs(jobId: string, query: LogQuery, cursors: CursorCodec, now = this.#deps.clock()): Promise<FindLogsResult> {
    return findLogs(this.#deps.jobs, jobId, query, now, { cursors });
  }

  /** The cards of the listings shown (root user jobs unless asked for more); `degraded` when a tenant's were throttled. */
  async summary(scope: TenantScope, listings: readonly Listing[] = summaryListings()): Promise<SummaryRead> {
    return readSummary(this.#deps.jobs, await this.#counterTenants(scope), listings);
  }

  /** Jobs created and waiting times per interval. */
  async stats(scope: TenantScope, options: { from: number; to: number; interval: StatsInterval }, now = this.#deps.clock()): Promise<StatsResult> {
    return readStats(this.#deps.jobs, await this.#counterTenants(scope), options, now);
  }

  /** Counters are kept per tenant; an all-tenant scope adds up every tenant's. */
  async #counterTenants(scope: TenantScope): Promise<string | string[]> {
    return 'tenant' in scope ? scope.tenant : this.#deps.tenants.list();
  }
}
