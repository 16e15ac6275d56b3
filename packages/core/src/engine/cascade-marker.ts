import { crashPoint } from '../crash-points.ts';
import type { JobRecord } from '../job-record.ts';
import { cascadeKey } from '../store/table-keys.ts';
import type { EngineContext } from './context.ts';

/**
 * The durable marker of an operation over a tree (cascade.ts, tree-delete.ts): written before
 * the first job changes, deleted after the last, redone by the sweeper when a crash left it.
 */
export type CascadeOperation = 'stop' | 'resume' | 'cancel' | 'set-low-priority' | 'remove-low-priority';
/** What a marker makes durable: an operation over a tree, the removal of a tree (tree-delete.ts), or its retry (retry.ts). */
export type MarkedOperation = CascadeOperation | 'delete' | 'retry';

export const CASCADE_INLINE_CHILDREN = 500;
export const CASCADE = 'CASCADE';

export interface CascadeMarker {
  jobId: string;
  operation: MarkedOperation;
  markedAt: number;
}

export async function markCascade(ctx: EngineContext, record: JobRecord, operation: MarkedOperation): Promise<CascadeMarker> {
  const marker: CascadeMarker = { jobId: record.id, operation, markedAt: ctx.deps.clock() };
  // The newest operation over a job replaces an older marker: only its walk is still wanted.
  await ctx.deps.jobs.put({ ...cascadeKey(record.id), ...marker });
  await crashPoint('cascade.marked', { jobId: record.id, jobType: record.type });
  return marker;
}

export async function clearCascade(ctx: EngineContext, marker: CascadeMarker): Promise<void> {
  // A newer operation's marker stays.
  await ctx.deps.jobs.deleteIf(cascadeKey(marker.jobId), { expression: 'markedAt = :at', values: { ':at': marker.markedAt } });
}
