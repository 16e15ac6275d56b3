import { dispatchSetOf, rootLaneKey } from '@stint/core/store';
import { laneId, type TableEvidence } from './table-read.ts';

type Item = Record<string, unknown>;

/**
 * A short reading of a flagged job's stored item: where it sits in the dispatch sets, its
 * lease, its children, and which known failure (issue 10's list) that looks like. For the
 * engine's authors; the checks never depend on it.
 */
export function diagnose(jobId: string, evidence: TableEvidence, now: number): string {
  const job = evidence.jobs.get(jobId);
  if (!job) return 'no job item in the table';
  const children = [...evidence.jobs.values()].filter((child) => child.parentId === jobId);
  const facts = [
    `item ${job.status}`,
    `gsi5 ${(job.gsi5pk as string | undefined) ?? 'none'}`,
    job.parked ? `parked ${job.parked}` : '',
    Number(job.childrenTotal) > 0 || children.length > 0 ? `children ${job.childrenDone}/${job.childrenTotal} (stored: ${describeStatuses(children)})` : '',
    job.leaseExpiresAt !== undefined ? `lease ${job.leaseOwner ? 'held' : 'with no owner'}, expires ${relative(Number(job.leaseExpiresAt), now)}` : '',
    job.dispatchedAt !== undefined ? `dispatched ${relative(Number(job.dispatchedAt), now)}` : '',
    job.lostSlices ? `lost slices ${job.lostSlices}` : '',
    job.cancelRequested ? 'cancel requested' : '',
  ].filter(Boolean);
  const causes = likelyCauses(job, children, evidence);
  return `${facts.join('; ')}${causes.length ? ` → ${causes.join('; ')}` : ''}`;
}

function likelyCauses(job: Item, children: Item[], evidence: TableEvidence): string[] {
  const causes: string[] = [];
  const set = dispatchSetOf(job);
  const isEnded = (item: Item) => item.status === 'FINISHED' || item.status === 'CANCELED';
  const ended = children.filter(isEnded).length;
  if (job.status === 'CANCELING') causes.push('a cancel cascade that never finished (issue 10 #3)');
  if (set === 'ready') {
    const key = rootLaneKey(job.rootId as string, job.lowPriority ? 'low' : 'normal');
    const inFlight = [...evidence.jobs.values()].filter((other) => dispatchSetOf(other) === 'inFlight' && other.rootId === job.rootId);
    causes.push(
      evidence.lanes.get(laneId(key))?.gsi5pk
        ? `ready and its root is in its lane, yet never dispatched (its root holds ${inFlight.length} in-flight slots: ${inFlight.map((other) => `${other.id} ${other.status}`).join(', ') || 'none'})`
        : 'ready, but its root is not in its lane, so no pump reaches it (issue 10 #4)',
    );
  }
  if (set === 'inFlight' && job.leaseExpiresAt !== undefined && !job.leaseOwner) {
    causes.push('in flight with a lease and no owner: a heartbeat renewed a lease its slice had released (issue 10 #1)');
  }
  if (job.parked && Number(job.childrenDone) < Number(job.childrenTotal) && ended >= Number(job.childrenTotal)) {
    causes.push(`parked although all ${ended} children ended: a child's end was never counted (issue 10 #2)`);
  }
  if (Number(job.childrenDone) > Number(job.childrenTotal)) {
    const restarted = children.filter((child) => Number(child.run ?? 0) > 0 && Number(child.parentRun ?? 0) === Number(job.run ?? 0));
    causes.push(
      children.length > Number(job.childrenTotal)
        ? 'more children than counted: an adoption not counted (issue 10 #5)'
        : restarted.length > 0
          ? `more children counted done than it has: ${restarted.map((child) => child.id).join(', ')} restarted after being counted, each end counted again`
          : `more children counted done than it has (${children.length} stored): a child's end counted twice`,
    );
  }
  if (isEnded(job) && children.some((child) => !isEnded(child))) {
    causes.push(`ended while ${children.length - ended} of its children had not (it counted ${job.childrenTotal})`);
  }
  if (!isEnded(job) && job.status !== 'STOPPED' && children.some((child) => child.status === 'STOPPED' || child.status === 'STOPPING')) {
    causes.push('children left STOPPED/STOPPING under a parent that runs (resume while stopping, issue 10 #6)');
  }
  if (typeof job.error === 'string' && job.error.includes('mid-slice')) causes.push('failed by the lost-slice limit (issue 10 #7)');
  if (job.status === 'STOPPING') causes.push('STOPPING with no worker to honour it');
  if (set === undefined && !job.parked && (job.status === 'PENDING' || job.status === 'RUNNING'))
    causes.push('in no dispatch set (not ready, in flight nor parked)');
  return causes;
}

function describeStatuses(items: Item[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.status as string, (counts.get(item.status as string) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'none';
}

function relative(at: number, now: number): string {
  const seconds = Math.round((at - now) / 1000);
  return seconds >= 0 ? `in ${seconds} s` : `${-seconds} s ago`;
}
