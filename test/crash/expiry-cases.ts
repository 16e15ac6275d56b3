import { expect } from 'vitest';
import { readSummary, summaryListings } from '@stint/core/query/stats-reader';
import { engineInternals } from '@stint/core/testing';
import type { CrashCase, CrashHarness } from '../support/crash-harness.ts';
import { expectRunShown, runEndedUnrecorded, runRecords } from './schedule-cases.ts';

/**
 * The expiry crash points' cases (crash-points.test.ts runs them with the others): a process
 * cleaning up after TTL (engine/expiry.ts) is killed between a job's writes, and the stream's
 * retry of the same batch — Lambda retries a batch whose invocation never answered, from its
 * first record — must leave nothing behind and count each job out once. Neither emulator runs
 * TTL: a job item is removed as TTL does and its image handed over as the stream would.
 * Expected states are written here.
 */

const NO_CARDS = { total: 0, active: 0, completed: 0, failed: 0, canceled: 0 };

/** Every card of a tenant, children and system jobs included: each job expired must leave them. */
const allCards = (h: CrashHarness, tenant: string) =>
  readSummary(engineInternals(h.stack.engine).deps.jobs, tenant, summaryListings({ system: true, children: true }));

/** The sort keys in a partition: a job's `J#<id>` (item, logs, checkpoints) or a root's `F#<id>` (lane items). */
async function partition(h: CrashHarness, pk: string): Promise<string[]> {
  return (await engineInternals(h.stack.engine).deps.jobs.queryPartition(pk, '')).items.map((item) => item.sk as string);
}

/** Removes the job items as TTL does and answers their old images, in the order given. */
async function expire(h: CrashHarness, ids: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const { jobs } = engineInternals(h.stack.engine).deps;
  const images: Array<Record<string, unknown>> = [];
  for (const id of ids) {
    const item = await jobs.get(id);
    expect(item?.status).toBe('FINISHED');
    await jobs.delete({ pk: `J#${id}`, sk: 'J' });
    images.push(item as unknown as Record<string, unknown>);
  }
  return images;
}

export const EXPIRY_CASES: CrashCase[] = [
  {
    title: 'a tree’s cleanup killed after its second job’s leftovers: the batch’s retry removes the rest and counts each job out once',
    point: 'expiry.leftoversRemoved',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'FAN_OUT', tenant: 'acme', data: { children: 2 } });
      await h.stack.runUntil(async () => (await h.job(job.id))?.status === 'FINISHED' && (await allCards(h, 'acme')).completed === 3);
      const [first, second] = (await h.children(job.id)).map((child) => child.id);
      const order = [first!, second!, job.id];
      for (const id of order) expect(await partition(h, `J#${id}`)).toEqual(expect.arrayContaining(['J', expect.stringMatching(/^C#/)]));
      expect(await partition(h, `F#${job.id}`)).toEqual(['L#normal']);
      const images = await expire(h, order);

      expect(await h.crashAt('expiry.leftoversRemoved', { kind: 'expire', images }, { after: 2 })).toBe(second);
      // The children's leftovers went, the root's stayed; the kill came before any job was counted out.
      expect([await partition(h, `J#${first}`), await partition(h, `J#${second}`)]).toEqual([[], []]);
      expect(await partition(h, `J#${job.id}`)).not.toEqual([]);
      expect(await partition(h, `F#${job.id}`)).toEqual(['L#normal']);
      expect(await allCards(h, 'acme')).toEqual({ ...NO_CARDS, total: 3, completed: 3 });

      expect(await h.stack.engine.expired(images)).toEqual({ cleaned: 3, ignored: 0 });
      for (const id of order) expect(await partition(h, `J#${id}`)).toEqual([]);
      expect(await partition(h, `F#${job.id}`)).toEqual([]);
      expect(await allCards(h, 'acme')).toEqual(NO_CARDS);
    },
  },
  {
    title:
      'a scheduled run whose end was lost, its cleanup killed once its record was settled: the retry removes its leftovers, keeps the run shown, counts it out once',
    point: 'expiry.runSettled',
    schedules: true,
    async run(h) {
      const id = await runEndedUnrecorded(h);
      const tenant = (await h.job(id))!.tenant;
      // The killed run never flushed its end's counts: the sweeper's reconcile re-derives them first.
      await h.recover(async () => (await allCards(h, tenant)).completed === 1);
      const images = await expire(h, [id]);

      expect(await h.crashAt('expiry.runSettled', { kind: 'expire', images })).toBe(id);
      // The record holds the run's end, taken from the job as it was; nothing else was done.
      expect(await runRecords(h)).toMatchObject([{ jobId: id, status: 'success' }]);
      expect(await partition(h, `J#${id}`)).toEqual(expect.arrayContaining([expect.stringMatching(/^C#/), expect.stringMatching(/^L#/)]));
      expect(await allCards(h, tenant)).toEqual({ ...NO_CARDS, total: 1, completed: 1 });

      expect(await h.stack.engine.expired(images)).toEqual({ cleaned: 1, ignored: 0 });
      expect(await partition(h, `J#${id}`)).toEqual([]);
      expect(await runRecords(h)).toMatchObject([{ jobId: id, status: 'success' }]);
      await expectRunShown(h, id, true);
      expect(await allCards(h, tenant)).toEqual(NO_CARDS);
    },
  },
];
