import { describe, expect, it } from 'vitest';
import { ProofSchedule } from './proof-schedule.ts';

const NOTHING = { force: false, progress: false, errorLogged: false };
const AT = 1_000_000;

describe('when a slice’s lease proof writes', () => {
  it('writes a renewal every third of the lease, and reads before', () => {
    const proofs = new ProofSchedule(30_000, AT);
    expect(proofs.renewEveryMs).toBe(10_000);
    expect(proofs.mustWrite(AT + 9_999, NOTHING)).toBe(false);
    expect(proofs.mustWrite(AT + 10_000, NOTHING)).toBe(true);
    proofs.written(AT + 10_000);
    expect(proofs.mustWrite(AT + 19_999, NOTHING)).toBe(false);
    // A lease of a few milliseconds is still renewed no more often than every 50 ms.
    expect(new ProofSchedule(30, AT).renewEveryMs).toBe(50);
  });

  it('writes progress held back a second after the last write, and an error or a forced proof at once', () => {
    const proofs = new ProofSchedule(30_000, AT);
    expect(proofs.mustWrite(AT + 999, { ...NOTHING, progress: true })).toBe(false);
    expect(proofs.mustWrite(AT + 1_000, { ...NOTHING, progress: true })).toBe(true);
    expect(proofs.mustWrite(AT, { ...NOTHING, errorLogged: true })).toBe(true);
    expect(proofs.mustWrite(AT, { ...NOTHING, force: true })).toBe(true);
  });
});

describe('the acquire’s write as the first boundary’s proof', () => {
  it('stands for the first boundary within 100 ms of the acquire, and for no later one', () => {
    const proofs = new ProofSchedule(30_000, AT);
    expect(proofs.acquireProves(AT + 99, NOTHING)).toBe(true);
    expect(proofs.acquireProves(AT + 99, NOTHING)).toBe(false);
  });

  it('does not stand 100 ms after the acquire', () => {
    expect(new ProofSchedule(30_000, AT).acquireProves(AT + 100, NOTHING)).toBe(false);
  });

  it('does not stand when the proof has something to write, and the boundary is spent all the same', () => {
    const proofs = new ProofSchedule(30_000, AT);
    expect(proofs.acquireProves(AT, { ...NOTHING, errorLogged: true })).toBe(false);
    expect(proofs.acquireProves(AT, NOTHING)).toBe(false);
    expect(new ProofSchedule(30_000, AT).acquireProves(AT, { ...NOTHING, force: true })).toBe(false);
  });
});
