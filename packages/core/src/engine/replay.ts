import type { Checkpoint } from '../store/checkpoint-store.ts';

/**
 * Whether a slice's run is still replaying what a slice before did (job-run.ts).
 *
 * The function runs from the top every slice. A step with a checkpoint returns its stored
 * result without running. Replay ends where the slice before stopped: at the next step, sleep
 * or wait not yet done after a yield or stop (which let the job run on to it), at the sleep or
 * event wait it parked in, or at the wait for children it parked in when it spawned after its
 * last checkpoint (a crash elsewhere can double or drop a line). Logs and progress reported
 * while replaying are dropped (they were recorded the first time), and spawns replayed are
 * recognised by their deterministic ids.
 */
export class Replay {
  #on: boolean;
  readonly #read = new Set<string>();
  /** The slice before spawned after its last checkpoint, so it ended in a wait for children. */
  #endsAtWait: boolean;

  /** `checkpoints` is the run's own map: checkpoints it saves join it, and count as read. */
  constructor(
    readonly checkpoints: ReadonlyMap<string, Checkpoint>,
    spawned: number,
  ) {
    // A loop, not Math.max(...spread): a job may hold more checkpoints than a call takes arguments.
    let spawnedAtLastCheckpoint = 0;
    for (const checkpoint of checkpoints.values()) spawnedAtLastCheckpoint = Math.max(spawnedAtLastCheckpoint, checkpoint.spawnSeq);
    this.#endsAtWait = spawned > spawnedAtLastCheckpoint;
    this.#on = checkpoints.size > 0 || this.#endsAtWait;
  }

  /** What the run reports now (log lines, progress) was recorded by a slice before. */
  get replaying(): boolean {
    return this.#on;
  }

  /** The run does something no slice before did. */
  end(): void {
    this.#on = false;
  }

  /**
   * Stored checkpoints read back. A slice that yields or stops at a step's boundary runs on to
   * the next operation, so replay goes on past a step's checkpoint, and past an event's answer
   * or a sleep a slice went on past (job-run.ts). A sleep or an event wait the slice before
   * parked in is the last it stored, so once it is read (`parkedHere`), what the job does next
   * (a log line, progress, or nothing before it returns) is new. True when this read ended the
   * replay.
   */
  read(parkedHere: boolean, ...names: string[]): boolean {
    for (const name of names) if (this.checkpoints.has(name)) this.#read.add(name);
    if (!this.#on || !parkedHere || this.#read.size < this.checkpoints.size || this.#endsAtWait) return false;
    this.#on = false;
    return true;
  }

  /** At a wait for children: the one the slice before parked in, once its `spawned` spawns are replayed. */
  atWaitForChildren(spawnSeq: number, spawned: number): void {
    if (!this.#endsAtWait || spawnSeq < spawned) return;
    this.#endsAtWait = false;
    this.read(true);
  }
}
