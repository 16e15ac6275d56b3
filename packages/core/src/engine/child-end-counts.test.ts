import { describe, expect, it } from 'vitest';
import { ChildEndCounts } from './child-end-counts.ts';

/** A write that records what it was asked to count and settles when the test says. */
function writes() {
  const calls: Array<{ ends: number; hasErrors: boolean; settle: (value: string) => void; fail: (error: Error) => void }> = [];
  const write = (ends: number, hasErrors: boolean) =>
    new Promise<string>((settle, fail) => {
      calls.push({ ends, hasErrors, settle, fail });
    });
  return { calls, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('children’s ends counted a group at a time', () => {
  it('writes an end at once when no count of its parent is being written', async () => {
    const counts = new ChildEndCounts<string>();
    const { calls, write } = writes();
    const counted = counts.count('p#0', false, write);
    await tick();
    expect(calls.map(({ ends, hasErrors }) => ({ ends, hasErrors }))).toEqual([{ ends: 1, hasErrors: false }]);
    calls[0]!.settle('parent after 1');
    expect(await counted).toEqual({ result: 'parent after 1', first: true });
  });

  it('counts the ends that come while a write is under way in one next write, which the first of them acts on', async () => {
    const counts = new ChildEndCounts<string>();
    const { calls, write } = writes();
    const a = counts.count('p#0', false, write);
    await tick();
    const [b, c, d] = [counts.count('p#0', false, write), counts.count('p#0', true, write), counts.count('p#0', false, write)];
    await tick();
    // Nothing more is written while the first write is out.
    expect(calls).toHaveLength(1);
    calls[0]!.settle('after a');
    await tick();
    expect(calls.map(({ ends, hasErrors }) => ({ ends, hasErrors }))).toEqual([
      { ends: 1, hasErrors: false },
      { ends: 3, hasErrors: true },
    ]);
    calls[1]!.settle('after b, c, d');
    expect(await Promise.all([a, b, c, d])).toEqual([
      { result: 'after a', first: true },
      { result: 'after b, c, d', first: true },
      { result: 'after b, c, d', first: false },
      { result: 'after b, c, d', first: false },
    ]);
    // All written: the next end is written at once again.
    const e = counts.count('p#0', false, write);
    await tick();
    expect(calls).toHaveLength(3);
    calls[2]!.settle('after e');
    expect(await e).toEqual({ result: 'after e', first: true });
  });

  it('keeps parents (and a parent’s runs) apart', async () => {
    const counts = new ChildEndCounts<string>();
    const { calls, write } = writes();
    void counts.count('p#0', false, write);
    void counts.count('q#0', false, write);
    void counts.count('p#1', false, write);
    await tick();
    expect(calls.map(({ ends }) => ends)).toEqual([1, 1, 1]);
  });

  it('fails every end of a group whose write failed, and writes the group behind it all the same', async () => {
    const counts = new ChildEndCounts<string>();
    const { calls, write } = writes();
    const a = counts.count('p#0', false, write);
    const b = counts.count('p#0', false, write);
    await tick();
    calls[0]!.fail(new Error('throttled'));
    await expect(a).rejects.toThrow('throttled');
    await tick();
    expect(calls).toHaveLength(2);
    calls[1]!.settle('after b');
    expect(await b).toEqual({ result: 'after b', first: true });
  });

  it('fails the ends that joined a failed group with it', async () => {
    const counts = new ChildEndCounts<string>();
    const { calls, write } = writes();
    void counts.count('p#0', false, write).catch(() => {});
    const [b, c] = [counts.count('p#0', false, write), counts.count('p#0', false, write)];
    await tick();
    calls[0]!.settle('after a');
    await tick();
    calls[1]!.fail(new Error('throttled'));
    await expect(b).rejects.toThrow('throttled');
    await expect(c).rejects.toThrow('throttled');
  });
});
