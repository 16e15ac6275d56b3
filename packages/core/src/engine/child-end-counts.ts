/**
 * Children's ends counted on their parent a group at a time (group commit). Each end is one
 * `ADD childrenDone` on the parent's item, and one item takes about 1,000 writes a second, so a
 * parent counting every child with a write of its own takes at most 1,000 children a second.
 * Here, while one count of a parent is being written, the siblings that end in this process
 * wait and are counted together in the next write: at one child's end a second nothing waits,
 * and the busier a parent is, the more ends each write carries.
 *
 * Nothing is counted that was not committed: a member's end is written before it joins, and a
 * group lost with the process (or failed past the SDK's retries) is repaired as a lost
 * increment always was, by the sweeper's recount of a parent quiet too long (job-tree.ts).
 */
export interface EndsCounted<T> {
  /** What the group's write returned. */
  result: T;
  /** This end opened its group: the one that acts on the result, so the group acts once. */
  first: boolean;
}

interface Group<T> {
  ends: number;
  hasErrors: boolean;
  done: Promise<T>;
  start: () => void;
}

/** Writes `ends` children's ends on their parent, and whether any of them had errors. */
export type Write<T> = (ends: number, hasErrors: boolean) => Promise<T>;

export class ChildEndCounts<T> {
  /** By parent (and its run): the group being written, and the one waiting behind it. */
  readonly #writing = new Map<string, Group<T>>();
  readonly #waiting = new Map<string, Group<T>>();

  /** Counts one end on the parent `key` names; `write` is used if this end opens a group. */
  async count(key: string, hasErrors: boolean, write: Write<T>): Promise<EndsCounted<T>> {
    if (!this.#writing.has(key)) {
      const group = this.#group(write, hasErrors);
      this.#begin(key, group);
      return { result: await group.done, first: true };
    }
    const waiting = this.#waiting.get(key);
    if (waiting) {
      waiting.ends++;
      waiting.hasErrors ||= hasErrors;
      return { result: await waiting.done, first: false };
    }
    const group = this.#group(write, hasErrors);
    this.#waiting.set(key, group);
    return { result: await group.done, first: true };
  }

  #group(write: Write<T>, hasErrors: boolean): Group<T> {
    let start!: () => void;
    const started = new Promise<void>((resolve) => {
      start = resolve;
    });
    const group: Group<T> = { ends: 1, hasErrors, start, done: started.then(() => write(group.ends, group.hasErrors)) };
    return group;
  }

  #begin(key: string, group: Group<T>): void {
    this.#writing.set(key, group);
    // The next group starts once this one's write has settled, failed or not.
    const next = () => {
      const waiting = this.#waiting.get(key);
      this.#waiting.delete(key);
      if (waiting) this.#begin(key, waiting);
      else this.#writing.delete(key);
    };
    group.done.then(next, next);
    group.start();
  }
}
