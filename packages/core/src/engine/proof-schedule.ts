/**
 * When a slice's lease proof writes, when it only reads, and when the acquire stands for it.
 * Pure: the run passes its clock's reading and what it holds back.
 */

/**
 * How often the lease is renewed: every third of it, by the heartbeat and by a step boundary
 * that comes when a renewal is due (a step that kept the event loop busy delays the timer).
 * Between renewals a boundary checks the fence with a strongly consistent read: a renewal is a
 * write of the whole item (3 units for a job with 2 KB of data), the read a fraction of one.
 */
export function renewEveryMs(leaseMs: number): number {
  return Math.max(50, Math.floor(leaseMs / 3));
}

/**
 * Progress is written at most this often (the monitor's live view refreshes about as often): a
 * job reporting it per record would otherwise pay a write of its whole item per step. What is
 * held back is written by the next boundary past this, a park, or the slice's outcome.
 */
export const PROGRESS_WRITE_MS = 1_000;

/**
 * How long the acquire's write stands as the first boundary's proof. That write was conditional
 * on the job's version and returned the item, so a read right after it could only learn of a
 * stop or force stop sent in the moments since, which is then noticed one step later, as one
 * sent during a step is. The first boundary has no checkpoint to save, so no write goes
 * unfenced. It saves one read per slice: the only read of a one-step job's run.
 */
export const ACQUIRE_PROOF_MS = 100;

/** What a proof would carry besides the lease. */
export interface HeldBack {
  /** The caller asks for a write (a boundary that may park with progress held back, the heartbeat). */
  force: boolean;
  progress: boolean;
  errorLogged: boolean;
}

export class ProofSchedule {
  #writtenAt: number;
  #firstBoundary = true;

  /** `acquiredAt`: when the slice's acquire wrote the lease. */
  constructor(
    readonly leaseMs: number,
    acquiredAt: number,
  ) {
    this.#writtenAt = acquiredAt;
  }

  get renewEveryMs(): number {
    return renewEveryMs(this.leaseMs);
  }

  /** A proof now must write: asked to, a renewal due, progress held a second, or an error logged. */
  mustWrite(now: number, held: HeldBack): boolean {
    const since = now - this.#writtenAt;
    return held.force || since >= this.renewEveryMs || (held.progress && since >= PROGRESS_WRITE_MS) || held.errorLogged;
  }

  /** Asked once, by the slice's first boundary: whether the acquire's write still proves the lease. */
  acquireProves(now: number, held: HeldBack): boolean {
    const first = this.#firstBoundary;
    this.#firstBoundary = false;
    return first && !this.mustWrite(now, held) && now - this.#writtenAt < ACQUIRE_PROOF_MS;
  }

  written(now: number): void {
    this.#writtenAt = now;
  }
}
