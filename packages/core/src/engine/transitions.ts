import type { JobStatus } from '../job.ts';
import { summaryBucket, type JobRecord } from '../job-record.ts';
import { statusIndexKeys } from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';

/**
 * Merges update parts; later parts win on the same attribute, and an assignment wins over a
 * remove whichever comes first. A `set` value of undefined assigns nothing (buildUpdate leaves
 * it out), so it neither replaces an earlier part's value nor cancels a remove. Conditions are joined as
 * `(a) AND (b)`, so a part's condition must not carry its own outer parentheses: DynamoDB
 * rejects redundant ones.
 */
export function merge(...specs: UpdateSpec[]): UpdateSpec {
  const out: Required<Pick<UpdateSpec, 'set' | 'setRaw' | 'add' | 'delete' | 'values'>> & { remove: string[]; condition?: string } = {
    set: {},
    setRaw: {},
    add: {},
    delete: {},
    values: {},
    remove: [],
  };
  for (const spec of specs) {
    for (const [attr, value] of Object.entries(spec.set ?? {})) if (value !== undefined) out.set[attr] = value;
    Object.assign(out.setRaw, spec.setRaw);
    Object.assign(out.add, spec.add);
    Object.assign(out.delete, spec.delete);
    Object.assign(out.values, spec.values);
    out.remove.push(...(spec.remove ?? []));
    if (spec.condition) out.condition = out.condition ? `(${out.condition}) AND (${spec.condition})` : spec.condition;
  }
  const assigned = new Set([...Object.keys(out.set), ...Object.keys(out.setRaw)]);
  out.remove = [...new Set(out.remove)].filter((attr) => !assigned.has(attr));
  return out;
}

/** Every state change bumps the version that operations condition on. */
export const bumpVersion: UpdateSpec = { setRaw: { version: '#version + :one' }, values: { ':one': 1 } };

export function statusSpec(record: Pick<JobRecord, 'tenant' | 'system' | 'parentId' | 'createDate' | 'id'>, status: JobStatus): UpdateSpec {
  return { set: { status, ...statusIndexKeys(record, status) } };
}

export const releaseLease: UpdateSpec = { remove: ['leaseOwner', 'leaseExpiresAt'] };

/** Leaves every dispatch set: ready, in flight, parked, delayed (a sleep ends with it), waiting for a concurrency slot. */
export const leaveDispatch: UpdateSpec = { remove: ['gsi5pk', 'gsi5sk', 'dispatchedAt', 'parked', 'sleepingUntil', 'eventWait', 'concurrencyWait'] };

/** A slice's hold on its job: the fencing epoch it took and the worker that took it. */
export interface Lease {
  epoch: number;
  owner: string;
}

export function leaseOf(record: Pick<JobRecord, 'leaseEpoch' | 'leaseOwner'>): Lease {
  return { epoch: record.leaseEpoch, owner: record.leaseOwner ?? '' };
}

/**
 * The job still holds the lease this slice took. The epoch fences off a revoked or
 * taken-over lease; the owner fences off a lease the slice itself released (a yield keeps
 * the job RUNNING at the same epoch, so a heartbeat landing after it must not revive it).
 */
export function holdsLease(lease: Lease): UpdateSpec {
  return {
    condition: '#leaseEpoch = :epoch AND #leaseOwner = :owner AND (#status = :running OR #status = :stopping)',
    values: { ':epoch': lease.epoch, ':owner': lease.owner, ':running': 'RUNNING', ':stopping': 'STOPPING' },
  };
}

/**
 * RUNNING → STOPPING for a job a worker holds, only while it still holds the lease the caller
 * read. A park, a sleep, a yield or a retry's back-off releases the lease without moving the
 * version: a job asked to stop after that would wait for a worker that is not coming, and a
 * parked parent whose children the same stop ends would wait for good. Refused, the caller
 * reads the job again and stops it at once.
 */
export function askToStop(record: JobRecord): UpdateSpec {
  // Taking a lease moves the version (the caller's condition); only releases do not.
  return merge(statusSpec(record, 'STOPPING'), { condition: 'attribute_exists(#leaseExpiresAt)' });
}

/** Whether a job read back still carries this lease. */
export function carriesLease(record: JobRecord | undefined | null, lease: Lease): record is JobRecord {
  return (
    record !== undefined &&
    record !== null &&
    record.leaseEpoch === lease.epoch &&
    record.leaseOwner === lease.owner &&
    (record.status === 'RUNNING' || record.status === 'STOPPING')
  );
}

export function atVersion(version: number): UpdateSpec {
  return { condition: '#version = :version', values: { ':version': version } };
}

export function endSpec(
  record: Pick<JobRecord, 'tenant' | 'system' | 'parentId' | 'createDate' | 'id'>,
  status: JobStatus,
  now: number,
  expiresAt?: number,
): UpdateSpec {
  // Only ended jobs expire; a STOPPED job waits for its resume however long that takes.
  return merge(statusSpec(record, status), leaveDispatch, releaseLease, bumpVersion, { set: { endDate: now, expiresAt } });
}

export function bucketOf(record: Pick<JobRecord, 'status' | 'hasErrors'>) {
  return summaryBucket(record.status, record.hasErrors);
}
