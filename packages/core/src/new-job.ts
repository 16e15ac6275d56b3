import { createHash, randomBytes } from 'node:crypto';
import type { JobStatus, Lane, RunBy } from './job.ts';
import type { JobRecord } from './job-record.ts';
import { createSortKey, jobKey, listIndexKeys, parentPartitionOf, readyPartitionOf, readySortKey, statusIndexKeys } from './store/table-keys.ts';

export interface NewJob {
  id: string;
  type: string;
  label: string;
  tenant: string;
  system: boolean;
  data: Record<string, unknown>;
  runBy: RunBy | null;
  /** Who submitted it, when an admin acted on behalf of `runBy`. */
  submittedBy?: RunBy;
  lowPriority: boolean;
  parentId: string | null;
  rootId: string;
  createDate: number;
  /** For children: the parent's run they belong to, and for spawned ones their position in it. */
  spawn?: { parentRun: number; seq?: number };
  /** A run of this schedule (root jobs only); its history is the schedule's run records (schedules/run-record.ts). */
  scheduleId?: string;
  /** Its type's concurrency key, when the type has a limit (concurrency-gate.ts). */
  concurrencyKey?: string;
}

const ALPHABET = '0123456789abcdefghijkmnpqrstvwxyz';

function encode(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return out;
}

/** A new root job id: time-ordered prefix (sortable, readable) and 80 random bits. */
export function newJobId(now: number): string {
  return `${now.toString(36).padStart(9, '0')}${encode(randomBytes(16), 16)}`;
}

/**
 * A child's id is derived from its parent, the parent's run and the spawn's position, so a
 * replayed spawn writes the same child again (and finds it there) instead of a second one.
 */
export function childJobId(parentId: string, run: number, seq: number): string {
  return `${parentId.slice(0, 9)}${encode(createHash('sha256').update(`${parentId}:${run}:${seq}`).digest(), 16)}`;
}

/** The item of a new PENDING job with every index key; `readyAt` puts it in its root's ready set. */
export function newJobRecord(job: NewJob, options: { readyAt?: number; expiresAt?: number } = {}): JobRecord {
  const status: JobStatus = 'PENDING';
  const sortKey = createSortKey(job.createDate, job.id);
  const lane: Lane = job.lowPriority ? 'low' : 'normal';
  return {
    ...jobKey(job.id),
    id: job.id,
    type: job.type,
    label: job.label,
    status,
    tenant: job.tenant,
    system: job.system,
    createDate: job.createDate,
    hasErrors: false,
    lowPriority: job.lowPriority,
    ...(job.runBy ? { runBy: job.runBy } : {}),
    ...(job.submittedBy ? { submittedBy: job.submittedBy } : {}),
    progress: 0,
    ...(job.parentId ? { parentId: job.parentId } : {}),
    rootId: job.rootId,
    ...(job.spawn ? { parentRun: job.spawn.parentRun } : {}),
    ...(job.spawn?.seq !== undefined ? { spawnSeq: job.spawn.seq } : {}),
    data: job.data,
    childrenTotal: 0,
    childrenDone: 0,
    version: 1,
    leaseEpoch: 0,
    attempt: 0,
    run: 0,
    ...listIndexKeys(job),
    ...statusIndexKeys(job, status),
    ...(job.scheduleId ? { scheduleId: job.scheduleId } : {}),
    ...(job.concurrencyKey !== undefined ? { concurrencyKey: job.concurrencyKey } : {}),
    ...(job.parentId ? { gsi4pk: parentPartitionOf({ id: job.id, parentId: job.parentId }), gsi4sk: sortKey } : {}),
    ...(options.readyAt !== undefined
      ? { gsi5pk: readyPartitionOf(lane, job), gsi5sk: readySortKey(options.readyAt, job.id, job.concurrencyKey !== undefined) }
      : {}),
    ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
  };
}
