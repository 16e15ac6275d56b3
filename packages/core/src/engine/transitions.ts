import type { JobStatus } from '../job.ts';
import { summaryBucket, type JobRecord } from '../job-record.ts';
import { statusIndexKeys } from '../table-keys.ts';
import type { UpdateSpec } from '../update-expression.ts';

/**
 * Merges update parts; later parts win on the same attribute. Conditions are joined as
 * `(a) AND (b)`, so a part's condition must not carry its own outer parentheses: DynamoDB
 * rejects redundant ones.
 */
export function merge(...specs: UpdateSpec[]): UpdateSpec {
  const out: Required<Pick<UpdateSpec, 'set' | 'setRaw' | 'add' | 'values'>> & { remove: string[]; condition?: string } = {
    set: {},
    setRaw: {},
    add: {},
    values: {},
    remove: [],
  };
  for (const spec of specs) {
    Object.assign(out.set, spec.set);
    Object.assign(out.setRaw, spec.setRaw);
    Object.assign(out.add, spec.add);
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

/** Leaves every dispatch set: ready, in flight, parked. */
export const leaveDispatch: UpdateSpec = { remove: ['gsi5pk', 'gsi5sk', 'dispatchedAt', 'parked'] };

/** The job still holds the lease it took (fencing: a revoked or taken-over lease fails this). */
export function holdsLease(epoch: number): UpdateSpec {
  return {
    condition: '#leaseEpoch = :epoch AND (#status = :running OR #status = :stopping)',
    values: { ':epoch': epoch, ':running': 'RUNNING', ':stopping': 'STOPPING' },
  };
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
