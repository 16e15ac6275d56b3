import type { JobDefinition, JobRegistry, SubmitRole } from '@stint/sdk';
import { BadRequestError, ForbiddenError } from '../errors.ts';
import type { RunBy } from '../job.ts';
import type { Principal } from './principal.ts';

/**
 * Who asks for a job, as each way in knows it. The engine's submit checks it against the
 * type's declared access (`defineJob({ access })`) here, so the api, intake, bulk operations
 * and schedules cannot disagree about who may start what.
 */
export type Submitter =
  /** An api caller submitting by hand (`POST /api/jobs`) or running a schedule now. */
  | { kind: 'caller'; principal: Principal }
  /**
   * The api starting one of its own system jobs for a caller (a bulk operation by filter, a
   * clear, a large export): the route has checked the caller may run that operation there.
   */
  | { kind: 'operation'; principal: Principal }
  /** An intake message: `producer` is SQS's sender id, `tenants` those it is bound to. */
  | { kind: 'intake'; producer: string; tenants: readonly string[] }
  /** A due slot of a schedule defined in code. */
  | { kind: 'scheduler'; scheduleId: string };

export interface SubmissionRequest {
  type: string;
  tenant: string;
  data?: Record<string, unknown> | undefined;
  runBy?: RunBy | null | undefined;
  /**
   * Absent for the deployment's own code in-process (tests, scripts, a job's own logic), which
   * is trusted as job code is; every way in from outside passes one.
   */
  submitter?: Submitter | undefined;
}

export interface Admission {
  /** Who the job runs for, as the monitor shows it. */
  runBy: RunBy | null;
  /** Who actually submitted it, when an admin acted on behalf of `runBy`. */
  submittedBy?: RunBy;
}

const RANK: Record<Principal['role'], number> = { viewer: 0, 'tenant-admin': 1, admin: 2 };
const LEAST_RANK: Record<SubmitRole, number> = { 'tenant-admin': 1, admin: 2 };

/** A type some submitter from outside the deployment's code may start: not `internal`. */
export type ExternalType = JobDefinition & { access: { submit: SubmitRole } };

export const isExternal = (definition: JobDefinition): definition is ExternalType => definition.access.submit !== 'internal';

/** The external types, in name order: what errors, listings and documents name. */
export function externalTypes(registry: JobRegistry): ExternalType[] {
  return registry
    .types()
    .map((type) => registry.get(type)!)
    .filter(isExternal);
}

/** Who may start an external type from outside, as listings and documents state it. */
export interface TypeAccess {
  /** The least role that may submit it by hand (`POST /api/jobs`, run now). */
  byHand: SubmitRole;
  /** Whether intake messages may submit it. */
  intake: boolean;
}

/** `assertMaySubmit`'s rule in the form a listing shows: a system type is for admins by hand and never for intake. */
export function typeAccess(definition: ExternalType): TypeAccess {
  if (definition.system) return { byHand: 'admin', intake: false };
  return { byHand: definition.access.submit, intake: definition.access.intake };
}

/** Throws 403 naming the type unless `submitter` may start a job of `definition` in `tenant`. */
export function assertMaySubmit(definition: JobDefinition, submitter: Submitter, tenant: string): void {
  const type = definition.type;
  if (!isExternal(definition)) throw new ForbiddenError(`${type} is an internal job type; only Stint's own code starts it`);
  switch (submitter.kind) {
    case 'scheduler':
      // Schedules are code: the deployment's owner chose what they start.
      return;
    case 'intake':
      if (definition.system) throw new ForbiddenError(`${type} is a system job type; other services cannot submit it`);
      if (!definition.access.intake) throw new ForbiddenError(`${type} does not accept intake messages`);
      if (!submitter.tenants.includes(tenant)) {
        throw new ForbiddenError(`intake producer ${submitter.producer} is not bound to tenant ${tenant}, so it cannot submit ${type} there`);
      }
      return;
    case 'caller':
    case 'operation': {
      const { principal } = submitter;
      if (principal.role === 'viewer') throw new ForbiddenError(`viewer keys are read-only; they cannot submit ${type}`);
      if (principal.role !== 'admin' && tenant !== principal.tenant) {
        throw new ForbiddenError(`this key is limited to tenant ${principal.tenant}; it cannot submit ${type} into ${tenant}`);
      }
      if (definition.system) {
        // The monitor's operations start their system job for whoever may run the operation;
        // by hand, a system type (which acts across the jobs of a scope) is for admins.
        if (submitter.kind === 'caller' && principal.role !== 'admin') {
          throw new ForbiddenError(`${type} is a system job type; only admins may submit it`);
        }
        return;
      }
      if (RANK[principal.role] < LEAST_RANK[definition.access.submit]) {
        throw new ForbiddenError(`only admins may submit ${type}`);
      }
      return;
    }
  }
}

/**
 * Throws 403 unless `sender` may send an outside event into `tenant`: as for submitting a job
 * there — a writer of that tenant (any for an admin), or an intake producer bound to it.
 */
export function assertMaySendEvent(sender: Submitter, tenant: string): void {
  switch (sender.kind) {
    case 'scheduler':
      return;
    case 'intake':
      if (!sender.tenants.includes(tenant))
        throw new ForbiddenError(`intake producer ${sender.producer} is not bound to tenant ${tenant}, so it cannot send events there`);
      return;
    case 'caller':
    case 'operation': {
      const { principal } = sender;
      if (principal.role === 'viewer') throw new ForbiddenError('viewer keys are read-only; they cannot send events');
      if (principal.role !== 'admin' && tenant !== principal.tenant)
        throw new ForbiddenError(`this key is limited to tenant ${principal.tenant}; it cannot send events into ${tenant}`);
      return;
    }
  }
}

/** May this caller submit the type at all (in its own tenant)? What the listing of job types shows. */
export function maySubmit(definition: JobDefinition, principal: Principal): boolean {
  try {
    assertMaySubmit(definition, { kind: 'caller', principal }, principal.tenant ?? '');
    return true;
  } catch (error) {
    if (error instanceof ForbiddenError) return false;
    throw error;
  }
}

/** The types a caller may submit by hand, in name order. */
export function submittableTypes(registry: JobRegistry, principal: Principal): ExternalType[] {
  return externalTypes(registry).filter((definition) => maySubmit(definition, principal));
}

/**
 * The gate of every submission: may the submitter start this type in this tenant, who does
 * the job run for, and is its data acceptable for that tenant. Throws before anything is
 * written: 403 naming the type, or 400 naming the field.
 */
export function admitSubmission(definition: JobDefinition, request: SubmissionRequest): Admission {
  const { submitter } = request;
  if (submitter) assertMaySubmit(definition, submitter, request.tenant);
  const admission = runByOf(submitter, request.runBy);
  const problem = definition.checkData?.(request.data ?? {}, { tenant: request.tenant });
  if (problem) throw new BadRequestError(`data.${problem.field}: ${problem.message}`, `data.${problem.field}`);
  return admission;
}

/**
 * The runner comes from who submits: an api caller runs its own jobs, an intake message runs
 * as its producer. Only admins (and the scheduler, whose runs name their schedule) may name
 * someone else, and then the record keeps who did.
 */
function runByOf(submitter: Submitter | undefined, requested: RunBy | null | undefined): Admission {
  if (!submitter || submitter.kind === 'scheduler') return { runBy: requested ?? null };
  if (submitter.kind === 'intake') {
    if (requested !== undefined) throw new ForbiddenError('runBy: an intake message runs as its producer and cannot name who runs it');
    return { runBy: { id: `intake:${submitter.producer}`, name: `intake ${submitter.producer}` } };
  }
  const self: RunBy = { id: submitter.principal.keyId, name: submitter.principal.name };
  if (requested === undefined || (requested !== null && requested.id === self.id && requested.name === self.name)) return { runBy: self };
  if (submitter.principal.role !== 'admin') throw new ForbiddenError('runBy: only admins may submit a job on behalf of someone else');
  return { runBy: requested, submittedBy: self };
}
