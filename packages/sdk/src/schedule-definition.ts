import { Cron } from 'croner';

export type ScheduleScope = 'tenant' | 'installation';

/** The developer's own schedule: a 5-field cron expression read in an IANA time zone. */
export interface AutomaticSchedule {
  cron: string;
  timeZone: string;
}

export interface ScheduleDefinition<TData = Record<string, unknown>> {
  /** Stable identifier (kebab-case); administrators cannot change it. */
  id: string;
  description: string;
  /** Type of the job each run starts; it must be a registered job type. */
  jobType: string;
  data: TData;
  /** `tenant`: one schedule per tenant, each run in its tenant. `installation`: one for the whole installation. */
  scope: ScheduleScope;
  automatic: AutomaticSchedule;
  /**
   * A slot that comes while the previous run is still active: `allow` starts another run (as
   * cron does, the default); `skip` lets the slot pass, as Temporal's and Quartz's
   * no-overlap policies do. Run now always starts a run.
   */
  overlap?: 'allow' | 'skip';
}

const ID_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** Declares a recurring job. Throws at startup for a malformed id, cron expression or time zone. */
export function defineSchedule<TData extends Record<string, unknown> = Record<string, unknown>>(options: ScheduleDefinition<TData>): ScheduleDefinition<TData> {
  if (!ID_PATTERN.test(options.id)) {
    throw new TypeError(`schedule id "${options.id}" must match ${ID_PATTERN} (e.g. nightly-export)`);
  }
  if (!options.description.trim()) throw new TypeError(`schedule ${options.id} needs a description`);
  if (options.overlap !== undefined && options.overlap !== 'allow' && options.overlap !== 'skip') {
    throw new TypeError(`schedule ${options.id}: overlap must be "allow" or "skip"`);
  }
  if (options.scope !== 'tenant' && options.scope !== 'installation') {
    throw new TypeError(`schedule ${options.id}: scope must be "tenant" or "installation"`);
  }
  assertTimeZone(options.automatic.timeZone, `schedule ${options.id}`);
  try {
    new Cron(options.automatic.cron, { timezone: options.automatic.timeZone, paused: true });
  } catch (error) {
    throw new TypeError(`schedule ${options.id}: cron "${options.automatic.cron}" is not valid: ${(error as Error).message}`);
  }
  if (options.automatic.cron.trim().split(/\s+/).length !== 5) {
    // croner also accepts a seconds field; slots are planned by the minute, so it is refused.
    throw new TypeError(`schedule ${options.id}: cron "${options.automatic.cron}" must have 5 fields (minute hour day month weekday)`);
  }
  return { ...options, automatic: { ...options.automatic } };
}

export function assertTimeZone(timeZone: string, what: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new TypeError(`${what}: time zone "${timeZone}" is not an IANA time zone`);
  }
}
