import type { JobRecord } from '@stint/core/job-record';
import type { JobStatus } from '@stint/core';
import { newJobRecord, newJobId } from '@stint/core/new-job';
import { jobPartition, logPrefix, statusIndexKeys } from '@stint/core/store/table-keys';
import type { JobStore } from '@stint/core/store/job-store';
import { LogStore, type LogLine } from '@stint/core/store/log-store';

/** Every log line of a job, oldest first, split out of the chunks they were written in. */
export async function loggedLines(jobs: JobStore, jobId: string): Promise<LogLine[]> {
  return (await jobs.queryPartitionAll(jobPartition(jobId), logPrefix)).flatMap((item) => LogStore.linesOf(item));
}

/** A job item placed directly in a given status, as the engine would have left it. */
export async function placeJob(
  jobs: JobStore,
  options: { type: string; tenant?: string; status: JobStatus; leased?: boolean; now?: number; lowPriority?: boolean; failed?: string },
): Promise<JobRecord> {
  const now = options.now ?? Date.now();
  const id = newJobId(now);
  const tenant = options.tenant ?? 'acme';
  const base = newJobRecord({
    id,
    type: options.type,
    label: options.type,
    tenant,
    system: false,
    data: {},
    runBy: { id: 'u1', name: 'Ada' },
    lowPriority: options.lowPriority ?? false,
    parentId: null,
    rootId: id,
    createDate: now - 1_000,
  });
  const started = options.status !== 'PENDING';
  const ended = ['FINISHED', 'STOPPED', 'CANCELED'].includes(options.status);
  const record: JobRecord = {
    ...base,
    status: options.status,
    ...statusIndexKeys(base, options.status),
    ...(started ? { startDate: now - 500 } : {}),
    ...(ended ? { endDate: now - 100 } : {}),
    ...(options.failed ? { hasErrors: true, error: options.failed } : {}),
    ...(options.leased ? { leaseOwner: 'other-worker', leaseExpiresAt: now + 60_000, leaseEpoch: 1 } : {}),
    ...(options.status === 'PENDING' || options.leased ? { gsi5pk: `I#0`, gsi5sk: `${id}#${id}` } : {}),
  };
  await jobs.create(record);
  return record;
}
