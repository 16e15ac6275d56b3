import { crashPoint } from '../crash-points.ts';
import type { JobRecord } from '../job-record.ts';
import { itemKindOf } from '../store/table-keys.ts';
import type { EngineContext } from './context.ts';
import { bucketOf } from './transitions.ts';
import { removeLeftovers } from './tree-delete.ts';

/** What one pass over expired items did; `failed` is the first item it could not clean, where a retry starts. */
export interface ExpiryReport {
  cleaned: number;
  /** Items that are not jobs, or jobs that are still there. */
  ignored: number;
  failed?: { index: number; error: unknown };
}

/**
 * Cleans up after DynamoDB's TTL, which removes an ended job's item `retentionDays` after its
 * end (`expiresAt`) and nothing else: a job's logs and checkpoints and a root's lane items
 * cannot carry an expiry of their own, as the job's end is not known when they are written.
 * Given the old images of the removed items (the table's stream), in stream order, this
 * removes what each job left, settles a scheduled run's record from the job as it was, and
 * counts the job out of its tenant's cards as a delete does. Items are taken one at a time
 * and the pass stops at the first that fails, so a retry from there repeats only idempotent
 * deletes; a job counted out twice (a crash between the flush and the stream's checkpoint) is
 * drift the counters' reconcile re-derives.
 */
export async function cleanExpired(ctx: EngineContext, images: ReadonlyArray<Record<string, unknown>>): Promise<ExpiryReport> {
  const report: ExpiryReport = { cleaned: 0, ignored: 0 };
  for (const [index, image] of images.entries()) {
    try {
      if (await cleanExpiredJob(ctx, image)) report.cleaned += 1;
      else report.ignored += 1;
    } catch (error) {
      report.failed = { index, error };
      break;
    }
  }
  return report;
}

async function cleanExpiredJob(ctx: EngineContext, image: Record<string, unknown>): Promise<boolean> {
  const { pk, sk } = image;
  if (typeof pk !== 'string' || typeof sk !== 'string' || itemKindOf({ pk, sk }) !== 'job') return false;
  const record = image as unknown as JobRecord;
  // Only an item that is gone: a stream record replayed, or misrouted, for a job still there changes nothing.
  if (await ctx.deps.jobs.get(record.id)) return false;
  if (record.scheduleId && ctx.deps.runRemoved) await ctx.deps.runRemoved(record);
  await crashPoint('expiry.runSettled', { jobId: record.id, jobType: record.type });
  await removeLeftovers(ctx, record.id, record.id === record.rootId);
  await crashPoint('expiry.leftoversRemoved', { jobId: record.id, jobType: record.type });
  ctx.counters.jobDeleted(record, bucketOf(record));
  return true;
}
