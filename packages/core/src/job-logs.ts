import type { CounterStore } from './store/counter-store.ts';
import type { JobStore } from './store/job-store.ts';
import type { Job } from './job.ts';
import { summaryBucket } from './job-record.ts';
import type { LogLevel, LogLine, LogStore } from './store/log-store.ts';

export interface JobLogDeps {
  jobs: JobStore;
  logs: LogStore;
  counters: CounterStore;
  clock: () => number;
}

/**
 * A log line added from outside the job's run (`sys.jobs.logInfo/logError` over the API).
 * The caller has already checked that the job exists and is visible to it.
 *
 * An ERROR line sets the job's `hasErrors`. The flag is flipped by a conditional write that
 * only succeeds from false, so of concurrent error lines (or a worker finishing with errors
 * at the same moment) exactly one moves the job between summary buckets: the write returns
 * the item as it became, and its status at that instant says which bucket it left.
 */
export async function appendJobLog(deps: JobLogDeps, job: Pick<Job, 'id' | 'tenant'>, level: LogLevel, message: string): Promise<Omit<LogLine, 'cursor'>> {
  const line = { timestamp: deps.clock(), level, message, additionalInfo: null };
  await deps.logs.append(job.id, [line]);
  if (level === 'ERROR') {
    const flipped = await deps.jobs.tryUpdate(job.id, {
      set: { hasErrors: true },
      condition: 'attribute_exists(#pk) AND #hasErrors = :false',
      values: { ':false': false },
    });
    // Only a FINISHED job's bucket depends on the flag (completed → failed).
    if (flipped && summaryBucket(flipped.status, false) !== summaryBucket(flipped.status, true)) {
      const counters = deps.counters.batch();
      counters.bucketMoved(flipped, summaryBucket(flipped.status, false), 'failed');
      await counters.flush();
    }
  }
  return line;
}
