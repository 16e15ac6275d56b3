import type { Http, QueryValue } from './http.ts';
import { paged } from './paged.ts';
import type {
  Job,
  ScheduleListQuery,
  SchedulePage,
  SchedulePatch,
  ScheduleRow,
  ScheduleRun,
  ScheduleRunPage,
  ScheduleRunsQuery,
  ScheduleTarget,
} from './types.ts';

export interface ScheduleClient {
  /** Every schedule the caller may see, in (tenant, id) order, fetched page by page as the loop asks. */
  list(query?: ScheduleListQuery): AsyncIterable<ScheduleRow>;
  listPage(query?: ScheduleListQuery, cursor?: string | null): Promise<SchedulePage>;
  get(schedule: ScheduleTarget): Promise<ScheduleRow>;
  /** Planning and reports; the rest is defined in code. */
  update(schedule: ScheduleTarget, patch: SchedulePatch): Promise<ScheduleRow>;
  /** Starts a run now, whatever the planning. */
  runNow(schedule: ScheduleTarget): Promise<Job>;
  /** Starts a run of each (at most 50); if one cannot run, none starts. */
  runMany(schedules: readonly ScheduleTarget[]): Promise<Job[]>;
  /** Latest executions, newest first. */
  runs(schedule: ScheduleTarget, query?: ScheduleRunsQuery): AsyncIterable<ScheduleRun>;
  runsPage(schedule: ScheduleTarget, query?: ScheduleRunsQuery, cursor?: string | null): Promise<ScheduleRunPage>;
}

const refOf = (schedule: ScheduleTarget) =>
  typeof schedule === 'string' ? { id: schedule, tenant: null } : { id: schedule.id, tenant: schedule.tenant ?? null };
const pathOf = (id: string, suffix = '') => `/api/schedules/${encodeURIComponent(id)}${suffix}`;

export function createScheduleClient(http: Http): ScheduleClient {
  const listPage = (query: ScheduleListQuery = {}, cursor: string | null = null) =>
    http.json<SchedulePage>('GET', '/api/schedules', { query: { ...(query as Record<string, QueryValue>), cursor } });
  const runsPage = (schedule: ScheduleTarget, query: ScheduleRunsQuery = {}, cursor: string | null = null) => {
    const ref = refOf(schedule);
    return http.json<ScheduleRunPage>('GET', pathOf(ref.id, '/runs'), { query: { ...(query as Record<string, QueryValue>), tenant: ref.tenant, cursor } });
  };
  const call = <T>(method: string, schedule: ScheduleTarget, suffix = '', body?: unknown) => {
    const ref = refOf(schedule);
    return http.json<T>(method, pathOf(ref.id, suffix), { query: { tenant: ref.tenant }, body });
  };

  return {
    list: (query = {}) => paged((cursor) => listPage(query, cursor)),
    listPage,
    get: (schedule) => call<ScheduleRow>('GET', schedule),
    update: (schedule, patch) => call<ScheduleRow>('PATCH', schedule, '', patch),
    runNow: async (schedule) => (await call<{ job: Job }>('POST', schedule, '/run')).job,
    runMany: async (schedules) => (await http.json<{ jobs: Job[] }>('POST', '/api/schedules/run', { body: { schedules: schedules.map(refOf) } })).jobs,
    runs: (schedule, query = {}) => paged((cursor) => runsPage(schedule, query, cursor)),
    runsPage,
  };
}
