/**
 * The api's shapes as a client sees them. Kept free of server imports so the client can be
 * copied into any TypeScript project; a compile-time test keeps them equal to core's.
 */
export const JOB_STATUSES = ['PENDING', 'RUNNING', 'FINISHED', 'STOPPING', 'STOPPED', 'CANCELING', 'CANCELED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type Operation = 'stop' | 'resume' | 'force-stop' | 'cancel' | 'restart' | 'retry' | 'set-low-priority' | 'remove-low-priority' | 'delete';

export interface RunBy {
  id: string;
  name: string;
}

export interface Job {
  id: string;
  type: string;
  label: string;
  status: JobStatus;
  tenant: string;
  system: boolean;
  createDate: number;
  startDate: number | null;
  endDate: number | null;
  /** Not to start before this time, when it was submitted to start later. */
  runAt: number | null;
  /** While the job sleeps (`ctx.sleep`): when it wakes. */
  sleepingUntil: number | null;
  /** While the job waits for an outside event (`ctx.waitForEvent`): its name and key, and when the wait times out. */
  waitingForEvent: { name: string; key: string; until: number } | null;
  /** While the job waits because its type's concurrency limit for its key is reached: the key and the limit. */
  waitingForConcurrency: { key: string; limit: number } | null;
  waiting: number;
  duration: number;
  hasErrors: boolean;
  lowPriority: boolean;
  runBy: RunBy | null;
  /** Who submitted the job when it was not `runBy` itself: an admin acting on someone's behalf. */
  submittedBy: RunBy | null;
  progress: number;
  parentId: string | null;
  rootId: string;
  data: Record<string, unknown>;
  results: Record<string, unknown> | null;
  childrenProgress: { finished: number; total: number };
  resultFile: string | null;
  error: string | null;
  /** The schedule this job is a run of (in the job's tenant), if any. */
  scheduleId: string | null;
  /** 1 for the first run; each retry of its failed work adds one (a restart starts again at 1). */
  attempt: number;
  version: number;
}

export interface Submission {
  type: string;
  label?: string;
  data?: Record<string, unknown>;
  /** Admins only; others submit into their own tenant. */
  tenant?: string;
  /** Admins only, to submit on someone's behalf (the job then records `submittedBy`); default: the caller. */
  runBy?: RunBy | null;
  lowPriority?: boolean;
  parentId?: string;
  idempotencyKey?: string;
  /** Not to start before this time: ms since the epoch, or an ISO 8601 date-time. */
  runAt?: number | string;
}

/** `sys.jobs.find` parameters. Lists may be given as arrays; times are ms since the epoch. */
export interface FindQuery {
  type?: string | string[];
  status?: JobStatus | JobStatus[];
  createFrom?: number;
  createTo?: number;
  startFrom?: number;
  startTo?: number;
  endFrom?: number;
  endTo?: number;
  hasErrors?: boolean;
  system?: boolean;
  /** Adds child jobs to the list (root jobs only by default); parentId/rootId include them anyway. */
  children?: boolean;
  parentId?: string;
  rootId?: string;
  sort?: 'date' | 'name';
  /** Case-insensitive text in label, type or runBy name. */
  q?: string;
  /** Admins only: one tenant. */
  tenant?: string;
  /** The most jobs `find` yields in all (`sys.jobs.find`'s `_size`); for `findPage`, the page size. At most 1000 per page. */
  _size?: number;
}

export interface JobPage {
  items: Job[];
  nextCursor: string | null;
  partial: boolean;
}

export type LogLevel = 'INFO' | 'ERROR';

export interface LogLine {
  timestamp: number;
  level: LogLevel;
  message: string;
  additionalInfo: Record<string, unknown> | null;
  cursor: string;
}

/** `sys.jobs.logs` parameters. `from`/`to` win over `period` (today, yesterday, `2h 30m`). */
export interface LogQuery {
  level?: LogLevel;
  message?: string;
  from?: number;
  to?: number;
  period?: string;
  /** IANA zone whose midnight starts `today` and `yesterday` (e.g. Europe/Paris); UTC by default. */
  timeZone?: string;
  /** The most lines `logs` yields in all. */
  _size?: number;
}

/** An outside event (`POST /api/events`). */
export interface OutsideEvent {
  name: string;
  /** Which wait it answers: for an approval, the waiting job's id. */
  key: string;
  data?: Record<string, unknown> | null;
  /** Your id for it: sending it again changes nothing. */
  id?: string;
  /** Admins only; others send into their own tenant. */
  tenant?: string;
}

/** A job type the caller may submit (`GET /api/job-types`). */
export interface JobType {
  type: string;
  description: string | null;
  system: boolean;
  access: { submit: 'admin' | 'tenant-admin'; intake: boolean };
}

export interface Summary {
  total: number;
  active: number;
  completed: number;
  failed: number;
  canceled: number;
  /** Present when some tenant's counters were throttled and are left out of the figures. */
  degraded?: true;
}

export interface StatsQuery {
  from?: number;
  to?: number;
  interval?: 'minute' | 'hour' | 'day';
  tenant?: string;
}

export interface StatsPoint {
  t: number;
  created: number;
  avgWaitingMs: number | null;
  minWaitingMs: number | null;
  maxWaitingMs: number | null;
}

export interface Stats {
  points: StatsPoint[];
  totals: Omit<StatsPoint, 't'>;
  /** Present when some tenant's buckets were throttled and are left out of the figures. */
  degraded?: true;
}

export type BulkItemResult = { status: 'ok' } | { status: 'error'; code: string; message: string };

export interface BulkResult {
  op: Operation;
  results: Record<string, BulkItemResult>;
  ok: number;
  failed: number;
}

/** A long-running request continues as a system job (bulk by filter, large export, clear-inactive). */
export interface AcceptedJob {
  job: Job;
}

/**
 * How a schedule's run went: `running` until its job ends, then `success`, `warnings` (finished
 * with errors logged) or `failed`; `unknown` when its job was removed before its outcome was recorded.
 */
export const RUN_STATUSES = ['running', 'success', 'warnings', 'failed', 'unknown'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * `automatic`: the cron the code defines; `scheduled`: days of the week × times of day
 * (HH:MM) in an IANA time zone; `disabled`: run by hand only.
 */
export type Planning = { type: 'automatic' } | { type: 'scheduled'; days: Weekday[]; times: string[]; timeZone: string } | { type: 'disabled' };

export interface ReportSettings {
  enabled: boolean;
  recipients: string[];
}

export interface ScheduleRow {
  id: string;
  description: string;
  jobType: string;
  scope: 'tenant' | 'installation';
  /** Null for an installation-wide schedule. */
  tenant: string | null;
  planning: Planning;
  /** The schedule the code defines. */
  automatic: { cron: string; timeZone: string };
  /** A slot due while the previous run is active starts another run (`allow`) or passes (`skip`). */
  overlap: 'allow' | 'skip';
  report: ReportSettings;
  /** Null when the planning never fires. */
  nextRunAt: number | null;
  /** From the schedule's record of its last run, which outlives the run's job. */
  lastRun: { jobId: string; status: RunStatus; date: number; endDate: number | null; jobRemoved: boolean } | null;
  /** The last run logged lines since the caller last read its logs. */
  unreadLogs: boolean;
  lastReport: { jobId: string; at: number; error: string | null } | null;
}

/** One run, from the schedule's run records (its newest 100), read live from its job while that is active. */
export interface ScheduleRun {
  /** The run's job id. */
  id: string;
  scheduleId: string;
  tenant: string;
  type: string;
  label: string;
  runBy: RunBy | null;
  /** When the run was started (its job created). */
  createDate: number;
  startDate: number | null;
  endDate: number | null;
  /** end − start in ms; grows while running. */
  duration: number;
  hasErrors: boolean;
  runStatus: RunStatus;
  /** The run's job was deleted, cleared or expired; what is shown is what the run record kept. */
  jobRemoved: boolean;
}

/**
 * Which schedule: its id, and for a per-tenant one its tenant (admins must name it; others
 * default to their own). A ScheduleRow is one.
 */
export type ScheduleTarget = string | { id: string; tenant?: string | null };

export interface ScheduleListQuery {
  /** How the last run went; rows never run only show unfiltered. */
  status?: RunStatus | RunStatus[];
  /** Text in the id. */
  q?: string;
  /** Admins only: one tenant (`_admin`: the installation-wide schedules). */
  tenant?: string;
  /** Rows per request (page size); the iterator still yields every row. */
  size?: number;
}

export interface ScheduleRunsQuery {
  status?: RunStatus | RunStatus[];
  size?: number;
}

export interface SchedulePatch {
  planning?: Planning;
  report?: ReportSettings;
}

export interface SchedulePage {
  items: ScheduleRow[];
  nextCursor: string | null;
}

export interface ScheduleRunPage {
  items: ScheduleRun[];
  nextCursor: string | null;
}

/** An API key as listed; the key itself is shown once, when it is created. */
export interface ApiKey {
  id: string;
  name: string;
  role: 'admin' | 'tenant-admin' | 'viewer';
  /** Null for admin keys, which see every tenant. */
  tenant: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface NewApiKey {
  name: string;
  role: ApiKey['role'];
  /** Required for tenant-admin and viewer keys; left out for admin keys. */
  tenant?: string | null;
}

export interface CreatedApiKey extends ApiKey {
  key: string;
}

/** `GET /api/jobs/export.csv` parameters: the find filters, without paging. */
export type ExportQuery = Omit<FindQuery, '_size'>;
