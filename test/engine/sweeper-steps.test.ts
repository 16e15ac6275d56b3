import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import { RECOUNT_MAX_WAIT_MS, sweep, type EngineSweep } from '@stint/core/engine/sweeper';
import {
  adoptingPartition,
  cascadeKey,
  delayedPartition,
  delayedSortKey,
  dispatchSetOf,
  inFlightPartition,
  inFlightSortKey,
  jobKey,
  parkedPartition,
  statusIndexKeys,
} from '@stint/core/store/table-keys';
import { engineStack } from '../support/engine-stack.ts';
import { jobItem } from '../support/job-items.ts';
import { NODE } from '../support/job-runs.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * One sweep (packages/core/src/engine/sweeper.ts) called directly on jobs placed in the set
 * each case needs — in flight, parked, delayed, being adopted — on the test's clock with no
 * poller: which jobs it repairs, at which exact times, and what its report counts. Each test
 * removes its jobs after it, so every sweep sees only the jobs of its own test.
 */
const LEASE_MS = 30_000;
const REDISPATCH_MS = 120_000;
const SETTLE_GRACE_MS = 60_000;
const NOTHING: EngineSweep = {
  expiredLeases: 0,
  lostDispatches: 0,
  parentsSettled: 0,
  parentsRecounted: 0,
  adoptionsFinished: 0,
  cascadesFinished: 0,
  delayedStarted: 0,
  deadlinesEnforced: 0,
  concurrencyWoken: 0,
  // The jobs a repair makes ready are sent by its own pump of their root (dispatcher.ts
  // makeReady): the sweep's last pump finds none of them left.
  dispatched: 0,
};

type JobSet = 'inFlight' | 'parked' | 'delayed' | 'adopting' | 'none';

describe.each(DYNAMO_BACKENDS)('one sweep on %s', (backend) => {
  let now = Date.now();
  const { deps, ctx, read } = engineStack(backend, {
    definitions: [NODE],
    clock: () => now,
    tuning: { leaseMs: LEASE_MS },
    redispatchAfterMs: REDISPATCH_MS,
    settleGraceMs: SETTLE_GRACE_MS,
  });
  const placed: string[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const id of placed.splice(0)) await deps().jobs.delete(jobKey(id));
  });

  /** A job in `status`, created 5 s ago, with the index entry of `set`. */
  async function place(set: JobSet, status: JobStatus, fields: Partial<JobRecord> = {}): Promise<JobRecord> {
    const id = newJobId(now);
    const base = jobItem({ id, createDate: now - 5_000, parentId: fields.parentId ?? null, rootId: fields.rootId ?? id });
    const entry = {
      inFlight: { gsi5pk: inFlightPartition(base.rootId), gsi5sk: inFlightSortKey(base.rootId, id) },
      parked: { gsi5pk: parkedPartition(id), gsi5sk: id },
      delayed: { gsi5pk: delayedPartition(id), gsi5sk: delayedSortKey(fields.runAt ?? now, id) },
      adopting: { gsi5pk: adoptingPartition(id), gsi5sk: id },
      none: {},
    }[set];
    const record: JobRecord = { ...base, status, ...statusIndexKeys(base, status), ...entry, ...fields };
    expect(await deps().jobs.create(record)).toBe(true);
    placed.push(id);
    return record;
  }

  /** A job dispatched and running, or dispatched and not started (no lease given). */
  const inFlight = (fields: Partial<JobRecord>) => place('inFlight', fields.leaseExpiresAt === undefined ? 'PENDING' : 'RUNNING', { leaseEpoch: 1, ...fields });
  /** A parent parked waiting for `childrenTotal` children, `childrenDone` of them counted as ended. */
  const parkedParent = (fields: Partial<JobRecord>) => place('parked', 'RUNNING', { parked: 'waiting', childrenTotal: 1, parkedAt: now, ...fields });
  const sent = async (job: JobRecord) => (await read(job.id)).dispatchedAt === now;
  const sweepNow = (options?: { messagesLost?: boolean }) => sweep(ctx(), options);

  describe('in-flight jobs', () => {
    it('resends a job whose lease expired at once, and not while its lease is still live at its expiry', async () => {
      now = Date.now();
      const expired = await inFlight({ leaseExpiresAt: now - 1 });
      const atExpiry = await inFlight({ leaseExpiresAt: now });
      const live = await inFlight({ leaseExpiresAt: now + LEASE_MS, dispatchedAt: now - 10 * REDISPATCH_MS });
      expect(await sweepNow()).toEqual({ ...NOTHING, expiredLeases: 1 });
      expect([await sent(expired), await sent(atExpiry), await sent(live)]).toEqual([true, false, false]);
    });

    it('resends an expired job already resent only once its last message went unanswered for longer than redispatchAfterMs', async () => {
      now = Date.now();
      const justLong = await inFlight({ leaseExpiresAt: now - LEASE_MS, dispatchedAt: now - REDISPATCH_MS });
      const longer = await inFlight({ leaseExpiresAt: now - LEASE_MS, dispatchedAt: now - REDISPATCH_MS - 1 });
      expect(await sweepNow()).toEqual({ ...NOTHING, expiredLeases: 1 });
      expect([await sent(justLong), await sent(longer)]).toEqual([false, true]);
    });

    it('resends a dispatched job that never started only once its message is stale, counted as a lost dispatch', async () => {
      now = Date.now();
      const fresh = await inFlight({ dispatchedAt: now - REDISPATCH_MS });
      const stale = await inFlight({ dispatchedAt: now - REDISPATCH_MS - 1 });
      const undated = await inFlight({});
      expect(await sweepNow()).toEqual({ ...NOTHING, lostDispatches: 2 });
      expect([await sent(fresh), await sent(stale), await sent(undated)]).toEqual([false, true, true]);
    });

    it('with messagesLost resends every in-flight job without a live lease at once, and none holding one', async () => {
      now = Date.now();
      const unstarted = await inFlight({ dispatchedAt: now - 1 });
      const expired = await inFlight({ leaseExpiresAt: now - 1, dispatchedAt: now - 1 });
      const live = await inFlight({ leaseExpiresAt: now + 1, dispatchedAt: now - 10 * REDISPATCH_MS });
      expect(await sweepNow({ messagesLost: true })).toEqual({ ...NOTHING, expiredLeases: 1, lostDispatches: 1 });
      expect([await sent(unstarted), await sent(expired), await sent(live)]).toEqual([true, true, false]);
    });

    it('does not count a resend whose message could not be sent', async () => {
      now = Date.now();
      const send = vi.spyOn(ctx().dispatcher, 'send').mockResolvedValue(false);
      const expired = await inFlight({ leaseExpiresAt: now - 1 });
      const lost = await inFlight({});
      expect(await sweepNow()).toEqual(NOTHING);
      expect(send.mock.calls.map(([job]) => job.id).sort()).toEqual([expired.id, lost.id].sort());
    });
  });

  describe('parked parents', () => {
    it('settles a parent whose counted children have all ended, and leaves one still waiting for a child', async () => {
      now = Date.now();
      const settled = await parkedParent({ childrenDone: 1 });
      const waiting = await parkedParent({ childrenTotal: 2, childrenDone: 1 });
      expect(await sweepNow()).toEqual({ ...NOTHING, parentsSettled: 1 });
      expect((await read(settled.id)).parked).toBeUndefined();
      expect(await read(waiting.id)).toMatchObject({ parked: 'waiting', version: waiting.version });
    });

    it('makes a parent ready at its deadline, and not one whose deadline is ahead', async () => {
      now = Date.now();
      const due = await parkedParent({ deadlineAt: now });
      const ahead = await parkedParent({ deadlineAt: now + 1 });
      expect(await sweepNow()).toEqual({ ...NOTHING, deadlinesEnforced: 1 });
      expect((await read(due.id)).parked).toBeUndefined();
      expect((await read(ahead.id)).parked).toBe('waiting');
    });

    /**
     * A parent counting a child that does not exist: a recount finds none, corrects its
     * counts to 0 of 0 and settles it, so a recount shows as the parent leaving the parked set.
     */
    const recounted = async (parent: JobRecord) => dispatchSetOf(await read(parent.id)) !== 'parked';

    it('recounts a parent quiet for longer than a lease, and not one quiet for exactly a lease', async () => {
      now = Date.now();
      const quiet = await parkedParent({ parkedAt: now - LEASE_MS - 1 });
      const justQuiet = await parkedParent({ parkedAt: now - LEASE_MS });
      expect(await sweepNow()).toEqual({ ...NOTHING, parentsRecounted: 1 });
      expect([await recounted(quiet), await recounted(justQuiet)]).toEqual([true, false]);
      expect(await read(quiet.id)).toMatchObject({ childrenTotal: 0, childrenDone: 0, recountedAt: now, recounts: 0 });
    });

    it('doubles the wait after each recount that found the counts right', async () => {
      now = Date.now();
      const thrice = await parkedParent({ recounts: 3, parkedAt: now - 8 * LEASE_MS });
      const twice = await parkedParent({ recounts: 2, parkedAt: now - 4 * LEASE_MS - 1 });
      expect(await sweepNow()).toEqual({ ...NOTHING, parentsRecounted: 1 });
      expect([await recounted(thrice), await recounted(twice)]).toEqual([false, true]);
      now += 1;
      expect(await sweepNow()).toEqual({ ...NOTHING, parentsRecounted: 1 });
      expect(await recounted(thrice)).toBe(true);
    });

    it('waits at most RECOUNT_MAX_WAIT_MS however many recounts found nothing', async () => {
      now = Date.now();
      const capped = await parkedParent({ recounts: 10, parkedAt: now - RECOUNT_MAX_WAIT_MS });
      expect(await sweepNow()).toEqual(NOTHING);
      now += 1;
      expect(await sweepNow()).toEqual({ ...NOTHING, parentsRecounted: 1 });
      expect(await recounted(capped)).toBe(true);
    });

    it('does not count a recount that found the counts right, and waits twice as long for the next', async () => {
      now = Date.now();
      const parent = await parkedParent({ adopted: 1, parkedAt: now - LEASE_MS - 1 });
      await place('none', 'RUNNING', { parentId: parent.id, rootId: parent.id });
      expect(await sweepNow()).toEqual(NOTHING);
      expect(await read(parent.id)).toMatchObject({ parked: 'waiting', childrenTotal: 1, recounts: 1, recountedAt: now });
    });

    it('counts the quiet from the latest of its park, its last child change and its last recount', async () => {
      now = Date.now();
      const old = now - 10 * LEASE_MS;
      const changed = await parkedParent({ parkedAt: old, childrenChangedAt: now - 1, recountedAt: old });
      const recountedLately = await parkedParent({ parkedAt: old, childrenChangedAt: old, recountedAt: now - 1 });
      const parkedLately = await parkedParent({ parkedAt: now - 1, childrenChangedAt: old, recountedAt: old });
      const changedLongAgo = await parkedParent({ parkedAt: undefined, childrenChangedAt: old });
      const recountedLongAgo = await parkedParent({ parkedAt: undefined, recountedAt: old });
      expect(await sweepNow()).toEqual({ ...NOTHING, parentsRecounted: 2 });
      const results = [changed, recountedLately, parkedLately, changedLongAgo, recountedLongAgo].map(recounted);
      expect(await Promise.all(results)).toEqual([false, false, false, true, true]);
    });
  });

  describe('delayed and adopted jobs', () => {
    it('makes a delayed job ready once its runAt has come, not before', async () => {
      now = Date.now();
      const due = await place('delayed', 'PENDING', { runAt: now });
      const ahead = await place('delayed', 'PENDING', { runAt: now + 1 });
      // Its entry left behind by a stop: the start's write refuses it.
      const stopped = await place('delayed', 'STOPPED', { runAt: now });
      expect(await sweepNow()).toEqual({ ...NOTHING, delayedStarted: 1 });
      expect(dispatchSetOf(await read(due.id))).toBe('inFlight');
      expect(dispatchSetOf(await read(ahead.id))).toBe('delayed');
      expect((await read(stopped.id)).status).toBe('STOPPED');
    });

    /** A parent running, and its child adopted `age` ms ago, its adoption cut short. */
    async function adoption(age: number, parentFields: Partial<JobRecord> = {}, childFields: Partial<JobRecord> = {}) {
      const parent = await place('none', 'RUNNING', parentFields);
      const child = await place('adopting', 'PENDING', { parentId: parent.id, rootId: parent.id, createDate: now - age, adopting: true, ...childFields });
      return { parent, child };
    }

    it('finishes an adoption from the settle grace on, and leaves a younger one to its request', async () => {
      now = Date.now();
      const old = await adoption(SETTLE_GRACE_MS);
      const young = await adoption(SETTLE_GRACE_MS - 1);
      expect(await sweepNow()).toEqual({ ...NOTHING, adoptionsFinished: 1 });
      expect(await read(old.parent.id)).toMatchObject({ childrenTotal: 1, adopted: 1 });
      expect((await read(old.child.id)).adopting).toBeUndefined();
      expect((await read(young.parent.id)).childrenTotal).toBe(0);
      expect((await read(young.child.id)).adopting).toBe(true);
    });

    it('skips a child in the adopting set that its read shows adopted already', async () => {
      now = Date.now();
      const { parent } = await adoption(SETTLE_GRACE_MS + 1, {}, { adopting: undefined });
      expect(await sweepNow()).toEqual(NOTHING);
      expect((await read(parent.id)).childrenTotal).toBe(0);
    });

    it('skips a child in the adopting set that is gone by its read', async () => {
      now = Date.now();
      const { parent } = await adoption(SETTLE_GRACE_MS + 1);
      vi.spyOn(deps().jobs, 'get').mockResolvedValueOnce(undefined);
      expect(await sweepNow()).toEqual(NOTHING);
      expect((await read(parent.id)).childrenTotal).toBe(0);
    });

    it('counts an adoption its ended parent refused, whose child is removed', async () => {
      now = Date.now();
      const { child } = await adoption(SETTLE_GRACE_MS + 1, { status: 'CANCELED' });
      expect(await sweepNow()).toEqual({ ...NOTHING, adoptionsFinished: 1 });
      expect(await deps().jobs.get(child.id)).toBeUndefined();
    });

    it('fails the sweep on any other error of an adoption', async () => {
      now = Date.now();
      await adoption(SETTLE_GRACE_MS + 1);
      vi.spyOn(deps().jobs, 'tryUpdate').mockRejectedValueOnce(new Error('throttled'));
      await expect(sweepNow()).rejects.toThrow('throttled');
    });
  });

  it('reports the cascades it finished, the concurrency waits it woke and the messages its pump sent', async () => {
    now = Date.now();
    const jobId = newJobId(now);
    await deps().jobs.put({ ...cascadeKey(jobId), jobId, operation: 'stop', markedAt: now - SETTLE_GRACE_MS });
    const gate = vi.spyOn(ctx().dispatcher.gate, 'sweep').mockResolvedValue(2);
    vi.spyOn(ctx().dispatcher, 'pump').mockResolvedValue(3);
    expect(await sweepNow()).toEqual({ ...NOTHING, cascadesFinished: 1, concurrencyWoken: 2, dispatched: 3 });
    expect(gate).toHaveBeenCalledWith(now);
    expect(await deps().jobs.getItem(cascadeKey(jobId))).toBeUndefined();
  });
});
