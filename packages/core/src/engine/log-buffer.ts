import type { LogLine } from '../store/log-store.ts';

/** A slice's lines wait at most this long before they are written. */
export const LOG_FLUSH_MS = 1_000;

type Line = Omit<LogLine, 'cursor'>;

/**
 * A slice's log lines, written as chunks (log-store.ts): at a step boundary once a second has
 * passed since the last write, by a timer a second after the first line otherwise (a step may
 * run long after logging), and all of them before the slice commits its outcome. Quick steps
 * then share a chunk instead of writing one each, at the price of at most a second of lines a
 * crash can lose; lines were never part of what a replay restores.
 */
export class LogBuffer {
  #lines: Line[] = [];
  #writtenAt: number;
  #timer: NodeJS.Timeout | undefined;
  /** The timer's writes on their way; they never reject (a failure is reported and dropped). */
  #background: Promise<void> = Promise.resolve();

  constructor(
    readonly write: (lines: Line[]) => Promise<void>,
    readonly clock: () => number,
    /** A timer's write that failed: its lines are lost, as at a crash. */
    readonly onError: (error: unknown) => void,
  ) {
    this.#writtenAt = clock();
  }

  add(line: Line): void {
    this.#lines.push(line);
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // Never empty: the timer is set by the first line after a take, and a flush clears it.
      const written = this.write(this.#take()).catch(this.onError);
      this.#background = Promise.all([this.#background, written]).then(() => undefined);
    }, LOG_FLUSH_MS);
    this.#timer.unref();
  }

  /** At a step boundary: writes once a second has passed since the last write (else the timer will). */
  async atBoundary(): Promise<void> {
    if (this.clock() - this.#writtenAt >= LOG_FLUSH_MS) await this.flush();
  }

  /** Writes every line held, and waits for the timer's writes: what the slice commits next follows its lines. */
  async flush(): Promise<void> {
    this.cancel();
    const lines = this.#take();
    if (lines.length > 0) await this.write(lines);
    await this.#background;
  }

  /** The slice is over without its lines (its lease was lost): no timer writes them later. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #take(): Line[] {
    const lines = this.#lines;
    this.#lines = [];
    if (lines.length > 0) this.#writtenAt = this.clock();
    return lines;
  }
}
