import { NonRetriableError } from '@stint/sdk';

/**
 * The names a run's checkpoints are stored under (job-run.ts), each one operation's alone in a
 * run. A sleep or an event wait stores a marker beside its own checkpoint (`<name>#passed`,
 * `<name>#began`), claimed with it: a step named like a marker fails the job instead of being
 * read back as that marker (a sleep that seemed passed would never be slept).
 */
export class StepNames {
  readonly #claimed = new Set<string>();
  readonly #eventWaits = new Map<string, number>();

  /** A step's name. */
  step(name: string): void {
    this.#claim([name]);
  }

  /** A sleep's name; returns its marker's. */
  sleep(name: string): string {
    const passed = `${name}#passed`;
    this.#claim([name, passed]);
    return passed;
  }

  /** The n-th wait for this event name and key in the run, as a replay counts them too. */
  eventWait(name: string, key: string): { step: string; began: string } {
    const address = `event:${name}:${key}`;
    const nth = (this.#eventWaits.get(address) ?? 0) + 1;
    this.#eventWaits.set(address, nth);
    const step = nth === 1 ? address : `${address}#${nth}`;
    const began = `${step}#began`;
    this.#claim([step, began]);
    return { step, began };
  }

  #claim(names: string[]): void {
    for (const name of names) {
      if (this.#claimed.has(name)) throw new NonRetriableError(`step name "${name}" is used twice in one run`);
    }
    for (const name of names) this.#claimed.add(name);
  }
}
