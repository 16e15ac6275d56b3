import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { childJobId, newJobId, newJobRecord, type NewJob } from '@stint/core/new-job';
import { parentPartitionOf, parentPartitions, statusIndexKeys } from '@stint/core/store/table-keys';

/**
 * A new job's item as submit or a spawn writes it (PENDING, every index key), for tests that
 * place jobs in the store in the state a case needs: what a case does not name is a root NODE
 * job of tenant acme, labelled by its type, with no data.
 */
export function jobItem(fields: Pick<NewJob, 'id' | 'createDate'> & Partial<NewJob>, options: Parameters<typeof newJobRecord>[1] = {}): JobRecord {
  return newJobRecord(
    {
      type: 'NODE',
      label: fields.type ?? 'NODE',
      tenant: 'acme',
      system: false,
      data: {},
      runBy: null,
      lowPriority: false,
      parentId: null,
      rootId: fields.id,
      ...fields,
    },
    options,
  );
}

/**
 * A member of a tree as `status` leaves it, with its status index keys and dates: a root, or
 * its parent's `seq`-th spawned child of run 0, created 10 s before `now` in spawn order.
 */
export function treeJobItem(
  now: number,
  status: JobStatus,
  parent: JobRecord | null,
  options: { tenant?: string; seq?: number; fields?: Partial<JobRecord> } = {},
): JobRecord {
  const seq = options.seq ?? 1;
  const id = parent ? childJobId(parent.id, 0, seq) : newJobId(now);
  const base = jobItem({
    id,
    ...(options.tenant ? { tenant: options.tenant } : {}),
    parentId: parent?.id ?? null,
    rootId: parent?.rootId ?? id,
    createDate: now - 10_000 + seq,
    ...(parent ? { spawn: { parentRun: 0, seq } } : {}),
  });
  const ended = status === 'FINISHED' || status === 'CANCELED';
  return {
    ...base,
    status,
    ...statusIndexKeys(base, status),
    ...(status !== 'PENDING' ? { startDate: now - 9_000 } : {}),
    ...(ended ? { endDate: now - 1_000 } : {}),
    ...options.fields,
  };
}

/**
 * A CASCADE page's cursor (job-tree.ts `childPage`) after `child`: its shard of the parent's
 * gsi4 partitions and its index key there, where a page that ended with it stopped.
 */
export function cursorAfter(child: JobRecord): Record<string, unknown> {
  return {
    shard: parentPartitions(child.parentId!).indexOf(child.gsi4pk!),
    after: { pk: child.pk, sk: child.sk, gsi4pk: child.gsi4pk, gsi4sk: child.gsi4sk },
  };
}

/**
 * The seq of `parent`'s first child after its `seq`-th (as `treeJobItem` makes them) whose gsi4
 * entry is in the same shard, so a page that ended with that one reads it next.
 */
export function nextSeqInShard(parent: JobRecord, seq: number): number {
  const shard = (at: number) => parentPartitionOf({ id: childJobId(parent.id, 0, at), parentId: parent.id });
  let next = seq + 1;
  while (shard(next) !== shard(seq)) next++;
  return next;
}
