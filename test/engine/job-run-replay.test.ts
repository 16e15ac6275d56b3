import { describe, expect, it } from 'vitest';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { loggedLines } from '../support/jobs.ts';
import { jobRunStack } from '../support/job-runs.ts';

/**
 * Where a slice's replay of what the slices before did ends (packages/core/src/engine/replay.ts
 * and job-run.ts), driven by hand on a job placed RUNNING under a lease with the checkpoints a
 * slice before would have left (test/support/job-runs.ts). What is reported while replaying was
 * recorded the first time: a line the test expects dropped was logged by the slice before.
 */
describe.each(DYNAMO_BACKENDS)('a job run’s replay on %s', (backend) => {
  let now = Date.now();
  const { deps, read, place, runOf, checkpointNames } = jobRunStack(backend, () => now);
  const logged = async (id: string) => (await loggedLines(deps().jobs, id)).map((line) => line.message);

  it('drops log lines and progress reported while replaying, and keeps those after the last stored step', async () => {
    now = Date.now();
    const job = await place();
    const run = await runOf(job, [{ name: 'first', result: 1, spawnSeq: 0 }]);
    run.log('INFO', 'replayed line');
    run.reportProgress(30);
    expect(run.progress).toBeNull();
    await run.step('first', () => 1);
    // The slice before ran on from its last checkpoint to the next step, where it yielded.
    run.log('INFO', 'replayed after the last checkpoint');
    await run.step('second', () => 2);
    run.log('INFO', 'new line', { n: 2 });
    run.reportProgress(49.6);
    expect(run.progress).toBe(50);
    await run.flushAll();
    expect((await loggedLines(deps().jobs, job.id)).map((line) => [line.message, line.additionalInfo])).toEqual([['new line', { n: 2 }]]);
  });

  it('holds progress within 0 and 100', async () => {
    now = Date.now();
    const run = await runOf(await place());
    run.reportProgress(140);
    expect(run.progress).toBe(100);
    run.reportProgress(-5);
    expect(run.progress).toBe(0);
  });

  describe('a sleep', () => {
    it('ends it at a sleep the slice before parked in, the last thing stored, and stores that this slice went on past it', async () => {
      now = Date.now();
      const job = await place('RUNNING', { spawned: 2 });
      const run = await runOf(job, [
        { name: 'first', result: 1, spawnSeq: 0 },
        // Due this very millisecond: it is over.
        { name: 'nap', result: { wakeAt: now }, spawnSeq: 2 },
      ]);
      await run.step('first', () => 1);
      run.log('INFO', 'replayed');
      await run.sleep('nap', () => now + 60_000);
      run.log('INFO', 'after the nap');
      await run.flushAll();
      expect(await logged(job.id)).toEqual(['after the nap']);
      expect(await checkpointNames(job.id)).toEqual(['first', 'nap', 'nap#passed']);
      expect(run.spawns.seq).toBe(2);
    });

    it('goes on past a sleep a slice went on past, without parking again, up to the first thing not done', async () => {
      now = Date.now();
      const job = await place();
      // A clock that ran ahead on the slice that went past: the sleep is not slept again.
      const run = await runOf(job, [
        { name: 'nap', result: { wakeAt: now + 60_000 }, spawnSeq: 0 },
        { name: 'nap#passed', result: undefined, spawnSeq: 0 },
      ]);
      await run.sleep('nap', () => now + 120_000);
      run.log('INFO', 'replayed after the nap');
      await run.step('next', () => 1);
      run.log('INFO', 'after the next step');
      await run.flushAll();
      expect(await logged(job.id)).toEqual(['after the next step']);
      expect((await read(job.id)).sleepingUntil).toBeUndefined();
    });

    it('leaves a sleep with a later step’s checkpoint as it is: the replay does not end there', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job, [
        { name: 'nap', result: { wakeAt: now - 1 }, spawnSeq: 0 },
        { name: 'after', result: 1, spawnSeq: 0 },
      ]);
      await run.sleep('nap', () => now + 60_000);
      run.log('INFO', 'replayed between');
      await run.step('after', () => 1);
      await run.step('next', () => 2);
      await run.flushAll();
      expect(await logged(job.id)).toEqual([]);
      expect(await checkpointNames(job.id)).toEqual(['after', 'nap', 'next']);
    });

    it('goes on past a replayed sleep when the slice before spawned after it, up to its wait for children', async () => {
      now = Date.now();
      // The slice before slept, spawned a third child, and parked waiting for the three; all ended.
      const job = await place('RUNNING', { spawned: 3, childrenTotal: 3, childrenDone: 3 });
      const run = await runOf(job, [{ name: 'nap', result: { wakeAt: now - 1 }, spawnSeq: 2 }]);
      run.spawns.seq = 2;
      await run.sleep('nap', () => now + 60_000);
      run.log('INFO', 'replayed after the nap');
      await run.spawn('NODE', {});
      run.log('INFO', 'replayed spawn');
      expect(await run.waitForChildren()).toEqual([]);
      run.log('INFO', 'after the wait');
      await run.flushAll();
      expect(await logged(job.id)).toEqual(['after the wait']);
      expect((await read(job.id)).spawned).toBe(3);
    });
  });

  describe('a wait for children', () => {
    it('goes on through a wait the slice before went on past, its children having ended', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job, [{ name: 'first', result: 1, spawnSeq: 0 }]);
      await run.step('first', () => 1);
      expect(await run.waitForChildren()).toEqual([]);
      run.log('INFO', 'replayed after the wait');
      await run.step('second', () => 2);
      run.log('INFO', 'after the second step');
      await run.flushAll();
      expect(await logged(job.id)).toEqual(['after the second step']);
    });

    it('goes on through an earlier wait, up to the one the slice before parked in after its last spawn', async () => {
      now = Date.now();
      const job = await place('RUNNING', { spawned: 2, childrenTotal: 2, childrenDone: 2 });
      const run = await runOf(job);
      await run.spawn('NODE', {});
      expect(await run.waitForChildren()).toEqual([]);
      run.log('INFO', 'replayed between the waits');
      await run.spawn('NODE', {});
      expect(await run.waitForChildren()).toEqual([]);
      run.log('INFO', 'after the last wait');
      await run.flushAll();
      expect(await logged(job.id)).toEqual(['after the last wait']);
    });
  });

  describe('a wait for an event', () => {
    it('goes on past an answer, which a slice that went on stored, up to the first thing not done', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job, [
        { name: 'event:paid:o-1#began', result: { since: now - 5_000, until: now + 60_000 }, spawnSeq: 0 },
        { name: 'event:paid:o-1', result: { data: { n: 1 }, eventId: 'e-1' }, spawnSeq: 0 },
      ]);
      expect(await run.waitForEvent('paid', 'o-1', 60_000)).toEqual({ n: 1 });
      run.log('INFO', 'replayed after the answer');
      await run.step('next', () => 1);
      run.log('INFO', 'after the next step');
      await run.flushAll();
      expect(await logged(job.id)).toEqual(['after the next step']);
    });

    it('counts its answer and when it began as read, so a sleep parked in after it ends the replay', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job, [
        { name: 'event:paid:o-2#began', result: { since: now - 5_000, until: now + 60_000 }, spawnSeq: 0 },
        { name: 'event:paid:o-2', result: { data: null, eventId: 'e-2' }, spawnSeq: 0 },
        { name: 'nap', result: { wakeAt: now - 1 }, spawnSeq: 0 },
      ]);
      await run.waitForEvent('paid', 'o-2', 60_000);
      await run.sleep('nap', () => now);
      run.log('INFO', 'after the nap');
      await run.flushAll();
      expect(await logged(job.id)).toEqual(['after the nap']);
    });
  });
});
