import { StintClientError, TimeoutError } from './errors.ts';
import { Http, jobPath, type HttpOptions, type QueryValue } from './http.ts';
import { createKeyClient, type KeyClient } from './keys.ts';
import { paged } from './paged.ts';
import { createScheduleClient, type ScheduleClient } from './schedules.ts';
import type {
  AcceptedJob,
  BulkResult,
  ExportQuery,
  FindQuery,
  Job,
  JobPage,
  JobStatus,
  LogLine,
  LogQuery,
  Operation,
  OutsideEvent,
  Stats,
  StatsQuery,
  Submission,
  JobType,
  Summary,
} from './types.ts';

export type StintClientOptions = HttpOptions;

export interface StintClient {
  /** The job, or null when there is none the caller may see (`sys.jobs.findById`). */
  findById(id: string): Promise<Job | null>;
  /** The jobs matching the query, newest first, fetched page by page as the loop asks: at most `_size` in all when given (`sys.jobs.find`), every match otherwise. */
  find(query?: FindQuery): AsyncIterable<Job>;
  /** One page (of `_size` jobs at most), for callers that keep the cursor themselves. */
  findPage(query?: FindQuery, cursor?: string | null): Promise<JobPage>;
  /** A job's log lines, newest first, page by page: at most `_size` in all when given (`sys.jobs.logs`). */
  logs(id: string, query?: LogQuery): AsyncIterable<LogLine>;
  logInfo(id: string, message: string): Promise<void>;
  /** Also sets the job's hasErrors flag. */
  logError(id: string, message: string): Promise<void>;
  /** Resolves with the job once it is in one of `statuses`; throws TimeoutError (code `timeout`) after `maxTimeToWait` ms. */
  waitForJob(id: string, statuses: JobStatus | readonly JobStatus[], maxTimeToWait: number): Promise<Job>;
  submit(submission: Submission): Promise<Job>;
  /** Sends an outside event: the jobs of the tenant waiting in `ctx.waitForEvent(name, { key })` take its data. */
  sendEvent(event: OutsideEvent): Promise<{ id: string; woken: number }>;
  stop(id: string): Promise<Job>;
  resume(id: string): Promise<Job>;
  forceStop(id: string): Promise<Job>;
  cancel(id: string): Promise<Job>;
  restart(id: string): Promise<Job>;
  /** Re-runs a failed root job's failed work (its failed step, its failed descendants); finished steps are kept. */
  retry(id: string): Promise<Job>;
  setLowPriority(id: string): Promise<Job>;
  removeLowPriority(id: string): Promise<Job>;
  /** Removes an ended root job with its whole tree; a child alone, or a tree with an active job, is a 409. */
  delete(id: string): Promise<void>;
  /** By ids: per-id outcomes. By filter: the BULK_OPERATION system job doing it. */
  bulk(op: Operation, ids: readonly string[]): Promise<BulkResult>;
  bulk(op: Operation, target: { filter: ExportQuery }): Promise<AcceptedJob>;
  /** Cards of root user jobs; `children` and `system` add the jobs the list adds for them. */
  summary(options?: { tenant?: string; children?: boolean; system?: boolean }): Promise<Summary>;
  stats(query?: StatsQuery): Promise<Stats>;
  /** Deletes every ended job in scope (the caller's tenant, or `tenant` for an admin); many continue as a system job. */
  clearInactive(options?: { tenant?: string }): Promise<{ deleted: number } | AcceptedJob>;
  /** The matching jobs as CSV text, or the EXPORT_JOBS system job writing a larger export to a file. */
  exportJobs(query?: ExportQuery): Promise<string | AcceptedJob>;
  /** A link to a job's result file (an export's CSV), valid for 15 minutes. */
  downloadUrl(id: string): Promise<string>;
  /** Scheduled jobs: list, plan, run now, latest executions. */
  schedules: ScheduleClient;
  /** API keys (admins). */
  keys: KeyClient;
  /** The api's OpenAPI document, as it serves it. */
  openApiDocument(): Promise<Record<string, unknown>>;
  /** The HTML reference page. */
  docsPage(): Promise<string>;
  /** Liveness; needs no credentials. */
  health(): Promise<{ status: 'ok' }>;
  /** The job types the caller may submit, with who may submit each. */
  jobTypes(): Promise<JobType[]>;
}

export function createStintClient(options: StintClientOptions): StintClient {
  const http = new Http(options);
  const operation =
    (suffix: string, method = 'POST') =>
    (id: string) =>
      http.json<Job>(method, jobPath(id, suffix));
  const log = (level: 'INFO' | 'ERROR') => async (id: string, message: string) => {
    await http.send('POST', jobPath(id, '/logs'), { body: { level, message } });
  };
  const findPage = (query: FindQuery = {}, cursor: string | null = null) =>
    http.json<JobPage>('GET', '/api/jobs', { query: { ...(query as Record<string, QueryValue>), ...(cursor ? { cursor } : {}) } });

  return {
    async findById(id) {
      try {
        return await http.json<Job>('GET', jobPath(id));
      } catch (error) {
        if (error instanceof StintClientError && error.code === 'notFound') return null;
        throw error;
      }
    },
    find(query = {}) {
      return paged((cursor, size) => findPage({ ...query, _size: size }, cursor), query._size);
    },
    findPage,
    logs(id, query = {}) {
      return paged(
        (cursor, size) =>
          http.json<{ items: LogLine[]; nextCursor: string | null }>('GET', jobPath(id, '/logs'), {
            query: { ...(query as Record<string, QueryValue>), _size: size, ...(cursor ? { cursor } : {}) },
          }),
        query._size,
      );
    },
    logInfo: log('INFO'),
    logError: log('ERROR'),
    async waitForJob(id, statuses, maxTimeToWait) {
      const wanted = typeof statuses === 'string' ? [statuses] : [...statuses];
      const deadline = Date.now() + maxTimeToWait;
      // The server waits at most ~25 s per request and answers 202 while time remains; each
      // round asks for what is left, so the total never exceeds maxTimeToWait.
      for (;;) {
        const remaining = Math.max(0, deadline - Date.now());
        const response = await http.send('GET', jobPath(id, '/wait'), { query: { status: wanted, maxTimeToWait: remaining } });
        const body = (await response.json()) as Job | { status: 'waiting'; retryAfterMs: number };
        if (response.status === 200) return body as Job;
        if (remaining === 0) throw new TimeoutError(`job ${id} did not reach ${wanted.join(' or ')} within ${maxTimeToWait} ms`);
        const pause = (body as { retryAfterMs?: number }).retryAfterMs ?? 0;
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(pause, remaining)));
      }
    },
    submit: (submission) => http.json<Job>('POST', '/api/jobs', { body: submission }),
    sendEvent: (event) => http.json<{ id: string; woken: number }>('POST', '/api/events', { body: event }),
    stop: operation('/stop'),
    resume: operation('/resume'),
    forceStop: operation('/force-stop'),
    cancel: operation('/cancel'),
    restart: operation('/restart'),
    retry: operation('/retry'),
    setLowPriority: operation('/low-priority'),
    removeLowPriority: operation('/low-priority', 'DELETE'),
    async delete(id) {
      await http.send('DELETE', jobPath(id));
    },
    bulk(op: Operation, target: readonly string[] | { filter: ExportQuery }) {
      const body = Array.isArray(target) ? { op, ids: target } : { op, filter: filterParams((target as { filter: ExportQuery }).filter) };
      return http.json<never>('POST', '/api/jobs/bulk', { body });
    },
    summary: (opts = {}) => http.json<Summary>('GET', '/api/summary', { query: { tenant: opts.tenant, children: opts.children, system: opts.system } }),
    stats: (query = {}) => http.json<Stats>('GET', '/api/stats', { query: { ...query } }),
    clearInactive: (opts = {}) => http.json<{ deleted: number } | AcceptedJob>('POST', '/api/jobs/clear-inactive', { query: { tenant: opts.tenant } }),
    async exportJobs(query = {}) {
      const response = await http.send('GET', '/api/jobs/export.csv', { query: { ...(query as Record<string, QueryValue>) } });
      return response.status === 202 ? ((await response.json()) as AcceptedJob) : response.text();
    },
    async downloadUrl(id) {
      const response = await http.send('GET', jobPath(id, '/download'));
      const location = response.headers.get('location');
      if (location === null) throw new StintClientError(`http${response.status}`, 'the download answer has no Location', response.status);
      return location;
    },
    schedules: createScheduleClient(http),
    keys: createKeyClient(http),
    openApiDocument: () => http.json<Record<string, unknown>>('GET', '/api/openapi.json'),
    docsPage: async () => (await http.send('GET', '/api/docs')).text(),
    health: () => http.json<{ status: 'ok' }>('GET', '/health'),
    jobTypes: async () => (await http.json<{ items: JobType[] }>('GET', '/api/job-types')).items,
  };
}

/** A bulk filter travels as the find query's string parameters (paging is the server's own business there). */
function filterParams(query: ExportQuery): Record<string, string> {
  return Object.fromEntries(
    Object.entries(query)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
  );
}
