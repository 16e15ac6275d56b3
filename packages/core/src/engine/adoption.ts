import { crashPoint } from '../crash-points.ts';
import { ConflictError } from '../errors.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import type { EngineContext } from './context.ts';
import { waitingSpec } from './delayed-start.ts';
import { merge } from './transitions.ts';

/**
 * Adoption: a child submitted through the api with `parentId` joins a tree that may be
 * running. Its parent must count it before it can run, or the parent could finish first;
 * and the parent must count it exactly once. Without transactions that takes four writes,
 * each safe to repeat, with the child as the durable marker until the last:
 *
 *   1. the child is written PENDING and `adopting`, in the adopting set (gsi5 `A#<shard>`),
 *      not in any ready set, so nothing dispatches it (submit writes it);
 *   2. the parent counts it (`childrenTotal`/`adopted` + 1) and records its id in
 *      `pendingAdoptions`, in one conditional write that a repeat finds already done;
 *   3. the root's lane is touched, then the child leaves the adopting set for its root's
 *      ready set (or, asked to start later, for the delayed set);
 *   4. the parent forgets the id.
 *
 * A crash after 1, 2 or 3 leaves the child in the adopting set; the sweeper finishes its
 * adoption (`finishAdoption`) once it is older than the settle grace (engine tuning), when
 * no request can still be adopting it: a repeat racing step 4 could count the child twice. A parent that ended
 * before step 2 refuses the child: the submission answers 409 and the child, never
 * accepted, is deleted; a cancel reaching the child while it is adopted deletes it too (see
 * cascade.ts), and the submission answers 409 likewise. A crash after 3 leaves only a stale
 * id in `pendingAdoptions`, which nothing reads once the child is ready.
 */
const OPEN_PARENT = 'attribute_exists(#pk) AND #run = :run AND NOT (#status IN (:finished, :canceling, :canceled))';
const OPEN_VALUES = { ':finished': 'FINISHED', ':canceling': 'CANCELING', ':canceled': 'CANCELED' };

/** Steps 2–4 for a child written in the adopting set. Throws 409 when its parent has ended. */
export async function finishAdoption(ctx: EngineContext, child: JobRecord): Promise<JobRecord> {
  const { deps, dispatcher } = ctx;
  const parentId = child.parentId!;
  const ids = new Set([child.id]);
  const counted = await deps.jobs.tryUpdate(parentId, {
    add: { childrenTotal: 1, adopted: 1, pendingAdoptions: ids },
    set: { childrenChangedAt: deps.clock() },
    condition: `${OPEN_PARENT} AND NOT contains(#pendingAdoptions, :child)`,
    values: { ...OPEN_VALUES, ':run': child.parentRun ?? 0, ':child': child.id },
  });
  if (!counted) {
    const parent = await deps.jobs.get(parentId);
    if (!parent?.pendingAdoptions?.has(child.id)) {
      // The parent ended (or was restarted) before it counted the child: it never joined.
      await deps.jobs.deleteJobIf(child.id, '#adopting = :yes', { ':yes': true });
      throw new ConflictError(`parent job ${parentId} is ${parent?.status ?? 'gone'}`, { jobId: parentId });
    }
  }
  await crashPoint('adopt.parentCounted', { jobId: child.id, jobType: child.type });

  // A child asked to start later waits in the delayed set instead (delayed-start.ts).
  const { spec, delayed } = waitingSpec(child, deps.clock());
  if (!delayed) await dispatcher.touchLane(child, laneOf(child));
  const ready = await deps.jobs.tryUpdate(
    child.id,
    merge(spec, {
      remove: ['adopting'],
      condition: '#adopting = :yes AND #status = :pending',
      values: { ':yes': true, ':pending': 'PENDING' },
    }),
  );
  await crashPoint('adopt.childReady', { jobId: child.id, jobType: child.type });
  await deps.jobs.tryUpdate(parentId, { delete: { pendingAdoptions: ids }, condition: 'attribute_exists(#pk)' });
  const current = ready ?? (await deps.jobs.get(child.id));
  if (!current) throw new ConflictError(`parent job ${parentId} was canceled while the job joined it`, { jobId: parentId });
  if (!delayed) await dispatcher.pumpRoot(current.rootId, laneOf(current));
  return current;
}
