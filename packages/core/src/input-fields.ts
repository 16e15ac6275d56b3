import * as z from 'zod';
import { ADMIN_TENANT, TENANT_PATTERN } from './auth/principal.ts';
import { JOB_STATUSES } from './job.ts';

/**
 * Fields several inputs share — a path's `{id}` and `parentId`, a body's `tenant` and the
 * query's — defined once, so the same field is refused with the same words on every route.
 */

/** Job ids are generated (base36 and a lower-case alphabet); the wider set costs nothing. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Same rule as the SDK's job types (`defineJob`). */
export const JOB_TYPE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

export const jobIdSchema = z.string().regex(JOB_ID_PATTERN, 'must be a job id (1 to 128 letters, digits and _ . : -)');

export const jobTypeSchema = z
  .string()
  .regex(JOB_TYPE_PATTERN, 'must be a job type (an upper-case letter, then up to 63 upper-case letters, digits and _, e.g. EXECUTE_ACTION)');

export const jobStatusSchema = z.enum(JOB_STATUSES, { error: `must be one of ${JOB_STATUSES.join(', ')}` });

const TENANT_WORDS = '1 to 63 lower-case letters, digits and dashes, not starting with a dash';

/** A tenant a job, key or schedule belongs to. */
export const tenantSchema = z.string().regex(TENANT_PATTERN, `must be a tenant (${TENANT_WORDS})`);

/**
 * The `tenant` an admin narrows a read or a bulk change to: a tenant, or ADMIN_TENANT for the
 * installation's own (system jobs, installation-wide schedules).
 */
export const tenantFilterSchema = z
  .string()
  .regex(new RegExp(`^(${ADMIN_TENANT}|${TENANT_PATTERN.source.slice(1, -1)})$`), `must be a tenant (${TENANT_WORDS}) or ${ADMIN_TENANT}`);
