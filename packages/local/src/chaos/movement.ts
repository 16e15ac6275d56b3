/** A job as the api lists it, with what shows it moving. */
export interface ListedJob {
  id: string;
  rootId: string;
  status: string;
  version: number;
  progress: number;
  childrenProgress: { finished: number; total: number };
}

/**
 * When each job last changed, as seen by polling the listings. A job "moves" when its
 * status, version, progress or children count changes; its tree moves when any job with
 * its root does (a parent parked for its children is idle while they work).
 */
export class Movement {
  readonly #seen = new Map<string, { print: string; changedAt: number; rootId: string }>();
  #lastChange = 0;

  observe(jobs: readonly ListedJob[], now: number): void {
    for (const job of jobs) {
      const print = fingerprint(job);
      const seen = this.#seen.get(job.id);
      if (seen?.print === print) continue;
      this.#seen.set(job.id, { print, changedAt: now, rootId: job.rootId });
      this.#lastChange = now;
    }
  }

  /** The last change of any job. */
  get lastChange(): number {
    return this.#lastChange;
  }

  /** The job differs from how it was last listed (a job never listed has not moved: it was never seen to). */
  moved(job: ListedJob): boolean {
    const seen = this.#seen.get(job.id);
    return seen !== undefined && seen.print !== fingerprint(job);
  }

  treeChangedAt(rootId: string): number {
    let latest = 0;
    for (const seen of this.#seen.values()) if (seen.rootId === rootId) latest = Math.max(latest, seen.changedAt);
    return latest;
  }
}

const fingerprint = (job: ListedJob) => [job.status, job.version, job.progress, job.childrenProgress.finished, job.childrenProgress.total].join('|');
