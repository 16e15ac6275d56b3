/**
 * Who may start a job type. Job code is trusted; what starts it is not: an api caller, an
 * intake message from another AWS service, or a schedule. Core enforces this declaration at
 * every way in (`core/src/auth/job-access.ts`); the sdk only says what can be declared.
 */

/**
 * The least role that may submit the type by hand (`POST /api/jobs`, or run now of one of its
 * schedules). `admin`: admins only — for installation-wide types such as a cleanup over every
 * tenant's files. `tenant-admin`: any role that may write (admins, and tenant-admins in their
 * own tenant). Viewers never submit.
 */
export type SubmitRole = 'admin' | 'tenant-admin';

export interface JobAccess {
  /**
   * A role, or `internal`: no submitter from outside the deployment's own code. No api caller
   * (admins included), operation, intake message or schedule may start an internal type; the
   * engine (its CASCADE walk of a wide tree) or a job's own code does, and no listing offers it.
   */
  submit: SubmitRole | 'internal';
  /** Whether intake messages (other AWS services, through the intake queue) may submit it. */
  intake: boolean;
}

/**
 * Any writer, but no intake: a type is reachable from other AWS services only when its
 * author says so, because an intake producer is a machine that no person signed in as.
 */
export const DEFAULT_ACCESS: Readonly<JobAccess> = { submit: 'tenant-admin', intake: false };

/**
 * Tenant of the jobs that act on the whole installation (installation-wide schedules' runs,
 * the all-tenant system jobs an admin starts). No key, token or submission can name it, so a
 * job living there was started by the scheduler or an admin; job code reads it through
 * `isInstallationJob` to decide its reach, never from its data.
 */
export const INSTALLATION_TENANT = '_admin';

export function isInstallationJob(job: { tenant: string }): boolean {
  return job.tenant === INSTALLATION_TENANT;
}

const SUBMIT_VALUES: ReadonlyArray<JobAccess['submit']> = ['admin', 'tenant-admin', 'internal'];

export function resolveAccess(type: string, access: Partial<JobAccess> | undefined): JobAccess {
  const resolved = { ...DEFAULT_ACCESS, ...access };
  if (!SUBMIT_VALUES.includes(resolved.submit)) {
    throw new TypeError(`access.submit of ${type} must be one of ${SUBMIT_VALUES.join(', ')}`);
  }
  if (typeof resolved.intake !== 'boolean') throw new TypeError(`access.intake of ${type} must be true or false`);
  if (resolved.submit === 'internal' && resolved.intake) throw new TypeError(`access.intake of ${type} must be false: the type is internal`);
  return resolved;
}
