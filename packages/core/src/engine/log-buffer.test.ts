import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogBuffer } from './log-buffer.ts';

const line = (message: string) => ({ timestamp: 0, level: 'INFO' as const, message, additionalInfo: null });

describe('LogBuffer', () => {
  let now = 0;
  let writes: string[][];
  let buffer: LogBuffer;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 10_000;
    writes = [];
    buffer = new LogBuffer(
      async (lines) => void writes.push(lines.map((l) => l.message)),
      () => now,
      () => undefined,
    );
  });
  afterEach(() => vi.useRealTimers());

  it('lets quick steps share one write: boundaries within a second of the last write wait, the timer writes all', async () => {
    buffer.add(line('a'));
    now += 300;
    await buffer.atBoundary();
    buffer.add(line('b'));
    now += 300;
    await buffer.atBoundary();
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(writes).toEqual([['a', 'b']]);
  });

  it('writes at a boundary a second after the last write, and once only', async () => {
    buffer.add(line('a'));
    now += 1_000;
    await buffer.atBoundary();
    expect(writes).toEqual([['a']]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(writes).toEqual([['a']]);
  });

  it('writes a line logged before a long step within a second, without a boundary', async () => {
    buffer.add(line('starting a long step'));
    await vi.advanceTimersByTimeAsync(999);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([['starting a long step']]);
  });

  it('waits on flush for a timer’s write still on its way, so the slice’s outcome follows its lines', async () => {
    let land = () => {};
    const slow = new LogBuffer(
      (lines) => new Promise<void>((resolve) => (land = () => resolve(void writes.push(lines.map((l) => l.message))))),
      () => now,
      () => undefined,
    );
    slow.add(line('a'));
    await vi.advanceTimersByTimeAsync(1_000);
    let flushed = false;
    const flush = slow.flush().then(() => (flushed = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(flushed).toBe(false);
    land();
    await flush;
    expect(writes).toEqual([['a']]);
  });

  it('reports a timer’s failed write and goes on', async () => {
    const errors: unknown[] = [];
    const failing = new LogBuffer(
      async () => {
        throw new Error('throttled');
      },
      () => now,
      (error) => errors.push(error),
    );
    failing.add(line('a'));
    await vi.advanceTimersByTimeAsync(1_000);
    await failing.flush();
    expect(errors).toHaveLength(1);
  });

  it('writes everything on flush, and nothing after a cancel', async () => {
    buffer.add(line('a'));
    await buffer.flush();
    await buffer.flush();
    buffer.add(line('lost with the lease'));
    buffer.cancel();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(writes).toEqual([['a']]);
  });

  it('writes nothing after a cancel however many lines the slice logged first', async () => {
    buffer.add(line('a'));
    now += 300;
    buffer.add(line('b'));
    buffer.cancel();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(writes).toEqual([]);
  });

  it('counts the second from the last write of lines: a boundary within it waits, one after it writes', async () => {
    buffer.add(line('a'));
    now += 1_000;
    await buffer.atBoundary();
    buffer.add(line('b'));
    now += 500;
    await buffer.atBoundary();
    expect(writes).toEqual([['a']]);
    now += 500;
    await buffer.atBoundary();
    expect(writes).toEqual([['a'], ['b']]);
  });

  it('does not count a flush that had no lines as a write', async () => {
    now += 1_000;
    await buffer.flush();
    buffer.add(line('a'));
    await buffer.atBoundary();
    expect(writes).toEqual([['a']]);
  });
});
