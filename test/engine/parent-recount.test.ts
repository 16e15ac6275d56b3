import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import { countChildEnded, recountChildren, recountIfRetried } from '@stint/core/engine/job-tree';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';
import { treePlacer, type ChildState, type ParentState } from '../support/parent-tree.ts';

/**
 * The recount that repairs a parked parent's lost or doubled child increments
 * (packages/core/src/engine/job-tree.ts `recountChildren`, `recountIfRetried`). Parents and
 * children are written directly in the state each case needs (test/support/parent-tree.ts),
 * the engine's clock is the test's, and no poller runs. Expected outcomes are the literal
 * table below.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });

interface RecountCase {
  title: string;
  parent: ParentState;
  children: ChildState[];
  answer: 'settled' | 'unchanged' | 'raced';
  after: {
    childrenDone: number;
    childrenTotal: number;
    hasErrors: boolean;
    recounts: number;
    parked: 'waiting' | 'done' | undefined;
    status: JobStatus;
    changed: boolean;
  };
}

const RECOUNTS: RecountCase[] = [
  {
    title: 'a lost increment is restored, the parent still waiting for the rest',
    parent: { childrenTotal: 2, childrenDone: 0, parked: 'waiting', recounts: 3 },
    children: [{ status: 'FINISHED' }, { status: 'RUNNING' }],
    answer: 'settled',
    after: { childrenDone: 1, childrenTotal: 2, hasErrors: false, recounts: 0, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'a doubled increment is taken back',
    parent: { childrenTotal: 3, childrenDone: 2, parked: 'waiting' },
    children: [{ status: 'CANCELED' }, { status: 'RUNNING' }, { status: 'PENDING' }],
    answer: 'settled',
    after: { childrenDone: 1, childrenTotal: 3, hasErrors: false, recounts: 0, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'right counts are left, and the next recount waits longer',
    parent: { childrenTotal: 2, childrenDone: 1, parked: 'waiting', recounts: 2 },
    children: [{ status: 'FINISHED' }, { status: 'RUNNING' }],
    answer: 'unchanged',
    after: { childrenDone: 1, childrenTotal: 2, hasErrors: false, recounts: 3, parked: 'waiting', status: 'RUNNING', changed: false },
  },
  {
    title: 'the first recount that finds nothing counts one',
    parent: { childrenTotal: 1, childrenDone: 0, parked: 'waiting' },
    children: [{ status: 'RUNNING' }],
    answer: 'unchanged',
    after: { childrenDone: 0, childrenTotal: 1, hasErrors: false, recounts: 1, parked: 'waiting', status: 'RUNNING', changed: false },
  },
  {
    title: 'a parent whose run was done finishes once the lost last end is counted',
    parent: { childrenTotal: 2, childrenDone: 1, parked: 'done' },
    children: [{ status: 'FINISHED' }, { status: 'CANCELED' }],
    answer: 'settled',
    after: { childrenDone: 2, childrenTotal: 2, hasErrors: false, recounts: 0, parked: undefined, status: 'FINISHED', changed: true },
  },
  {
    title: 'a waiting parent is woken once the lost last end is counted',
    parent: { childrenTotal: 1, childrenDone: 0, parked: 'waiting' },
    children: [{ status: 'FINISHED' }],
    answer: 'settled',
    after: { childrenDone: 1, childrenTotal: 1, hasErrors: false, recounts: 0, parked: undefined, status: 'RUNNING', changed: true },
  },
  {
    title: 'children of an earlier run are not counted',
    parent: { run: 1, childrenTotal: 1, childrenDone: 0, parked: 'waiting' },
    children: [
      { status: 'FINISHED', run: 0 },
      { status: 'FINISHED', run: 0 },
      { status: 'RUNNING', run: 1 },
    ],
    answer: 'unchanged',
    after: { childrenDone: 0, childrenTotal: 1, hasErrors: false, recounts: 1, parked: 'waiting', status: 'RUNNING', changed: false },
  },
  {
    title: 'children of the current run after a restart are counted',
    parent: { run: 1, childrenTotal: 2, childrenDone: 0, parked: 'waiting' },
    children: [
      { status: 'FINISHED', run: 0 },
      { status: 'FINISHED', run: 1 },
      { status: 'RUNNING', run: 1 },
    ],
    answer: 'settled',
    after: { childrenDone: 1, childrenTotal: 2, hasErrors: false, recounts: 0, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'a child still being adopted is not counted',
    parent: { childrenTotal: 1, childrenDone: 0, parked: 'waiting' },
    children: [{ status: 'FINISHED', adopting: true }, { status: 'RUNNING' }],
    answer: 'unchanged',
    after: { childrenDone: 0, childrenTotal: 1, hasErrors: false, recounts: 1, parked: 'waiting', status: 'RUNNING', changed: false },
  },
  {
    title: 'a child with no run of its parent belongs to run 0',
    parent: { childrenTotal: 2, childrenDone: 0, parked: 'waiting' },
    children: [
      { status: 'FINISHED', run: null },
      { status: 'RUNNING', run: null },
    ],
    answer: 'settled',
    after: { childrenDone: 1, childrenTotal: 2, hasErrors: false, recounts: 0, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'more children than counted raise the total',
    parent: { childrenTotal: 1, childrenDone: 0, parked: 'waiting' },
    children: [{ status: 'RUNNING' }, { status: 'RUNNING' }, { status: 'PENDING' }],
    answer: 'settled',
    after: { childrenDone: 0, childrenTotal: 3, hasErrors: false, recounts: 0, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'fewer children than spawned (entries the index has not shown yet) keep the total',
    parent: { childrenTotal: 3, childrenDone: 0, parked: 'waiting', spawned: 3 },
    children: [{ status: 'FINISHED' }],
    answer: 'settled',
    after: { childrenDone: 1, childrenTotal: 3, hasErrors: false, recounts: 0, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'an ended child’s errors are carried to its parent',
    parent: { childrenTotal: 2, childrenDone: 1, parked: 'waiting' },
    children: [{ status: 'FINISHED', hasErrors: true }, { status: 'RUNNING' }],
    answer: 'settled',
    after: { childrenDone: 1, childrenTotal: 2, hasErrors: true, recounts: 0, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'a running child’s errors are not its parent’s yet',
    parent: { childrenTotal: 2, childrenDone: 1, parked: 'waiting' },
    children: [{ status: 'FINISHED' }, { status: 'RUNNING', hasErrors: true }],
    answer: 'unchanged',
    after: { childrenDone: 1, childrenTotal: 2, hasErrors: false, recounts: 1, parked: 'waiting', status: 'RUNNING', changed: false },
  },
  {
    title: 'a parent’s own errors stay',
    parent: { childrenTotal: 2, childrenDone: 1, parked: 'waiting', hasErrors: true },
    children: [{ status: 'FINISHED' }, { status: 'RUNNING' }],
    answer: 'unchanged',
    after: { childrenDone: 1, childrenTotal: 2, hasErrors: true, recounts: 1, parked: 'waiting', status: 'RUNNING', changed: false },
  },
  {
    title: 'a parent that is not parked is not recounted',
    parent: { childrenTotal: 2, childrenDone: 0 },
    children: [{ status: 'FINISHED' }, { status: 'RUNNING' }],
    answer: 'raced',
    after: { childrenDone: 0, childrenTotal: 2, hasErrors: false, recounts: 0, parked: undefined, status: 'RUNNING', changed: false },
  },
];

describe.each(DYNAMO_BACKENDS)('a parent’s recount of its children on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, ctx, read } = engineStack(backend, { definitions: [NODE], clock: () => now });
  const { placeParent, placeChild } = treePlacer(deps, () => now);

  describe('the recount of a parked parent', () => {
    it.each(RECOUNTS)('$title', async ({ parent: state, children, answer, after }) => {
      now = Date.now();
      const parent = await placeParent(state, { recountOnPark: true });
      for (const [index, child] of children.entries()) await placeChild(parent, child, index);
      now += 1_000;

      expect(await recountChildren(ctx(), parent)).toBe(answer);
      const recounted = await read(parent.id);
      expect({
        childrenDone: recounted.childrenDone,
        childrenTotal: recounted.childrenTotal,
        hasErrors: recounted.hasErrors,
        recounts: recounted.recounts ?? 0,
        parked: recounted.parked,
        status: recounted.status,
        changed: recounted.childrenChangedAt === now,
      }).toEqual(after);
      if (answer === 'raced') {
        expect(recounted).toEqual(parent);
        return;
      }
      expect(recounted.recountedAt).toBe(now);
      expect(recounted.recountOnPark).toBeUndefined();
      if (after.status === 'FINISHED') {
        expect(recounted.progress).toBe(100);
        expect(recounted.endDate).toBe(now);
        expect(stack().events).toContainEqual(expect.objectContaining({ type: 'jobEnded', jobId: parent.id, status: 'FINISHED' }));
      }
    });

    it('is refused when a child ended between its read and its write, and changes nothing', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 2, childrenDone: 0, parked: 'waiting' }, { recountOnPark: true });
      const [child] = [await placeChild(parent, { status: 'FINISHED' }, 0), await placeChild(parent, { status: 'FINISHED' }, 1)];
      await countChildEnded(ctx(), child!);
      const counted = await read(parent.id);
      expect(counted.childrenDone).toBe(1);

      expect(await recountChildren(ctx(), parent)).toBe('raced');
      expect(await read(parent.id)).toEqual(counted);
    });

    /** Places the children, the ids of those marked in `counting` in the parent's `pendingAdoptions`, and reads the parent back. */
    async function withChildren(parent: JobRecord, children: ChildState[], counting: number[] = []): Promise<JobRecord> {
      const placed: JobRecord[] = [];
      for (const [index, child] of children.entries()) placed.push(await placeChild(parent, child, index));
      if (counting.length > 0) await deps().jobs.tryUpdate(parent.id, { add: { pendingAdoptions: new Set(counting.map((i) => placed[i]!.id)) } });
      now += 1_000;
      return read(parent.id);
    }

    it('takes back an adopted child counted twice (a repeat of its adoption after another finished it), waking the parent', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 2, childrenDone: 1, adopted: 2, parked: 'waiting' });
      const read1 = await withChildren(parent, [{ status: 'FINISHED', adopted: true }]);

      expect(await recountChildren(ctx(), read1)).toBe('settled');
      const recounted = await read(parent.id);
      expect([recounted.childrenTotal, recounted.childrenDone, recounted.adopted, recounted.parked, recounted.status]).toEqual([1, 1, 1, undefined, 'RUNNING']);
    });

    it('counts a child still being adopted once its parent has counted it, and not one of an earlier run', async () => {
      now = Date.now();
      const parent = await placeParent({ run: 1, childrenTotal: 2, childrenDone: 0, spawned: 1, adopted: 1, parked: 'waiting' });
      const children: ChildState[] = [
        { status: 'RUNNING' },
        { status: 'PENDING', adopted: true, adopting: true, seq: 2 },
        { status: 'PENDING', adopted: true, adopting: true, seq: 3, run: 0 },
      ];
      const read1 = await withChildren(parent, children, [1, 2]);

      expect(await recountChildren(ctx(), read1)).toBe('unchanged');
      const recounted = await read(parent.id);
      expect([recounted.childrenTotal, recounted.childrenDone, recounted.adopted, recounted.recounts]).toEqual([2, 0, 1, 1]);
    });

    it('lowers the total to the children it finds, spawned and adopted, when more were counted', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 4, childrenDone: 1, spawned: 1, adopted: 3, parked: 'waiting' });
      const read1 = await withChildren(parent, [{ status: 'FINISHED' }, { status: 'RUNNING', adopted: true, seq: 2 }]);

      expect(await recountChildren(ctx(), read1)).toBe('settled');
      const recounted = await read(parent.id);
      expect([recounted.childrenTotal, recounted.childrenDone, recounted.adopted, recounted.parked]).toEqual([2, 1, 1, 'waiting']);
    });
  });

  describe('a recount asked for at park (recountOnPark)', () => {
    it('recounts a parent that asked for it', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 2, childrenDone: 0, parked: 'done' }, { recountOnPark: true });
      await placeChild(parent, { status: 'FINISHED' }, 0);
      await placeChild(parent, { status: 'FINISHED' }, 1);
      await recountIfRetried(ctx(), parent);
      expect(await read(parent.id)).toMatchObject({ status: 'FINISHED', childrenDone: 2, childrenTotal: 2 });
    });

    it('reads the parent again and recounts when the first recount raced', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 3, childrenDone: 0, parked: 'waiting' }, { recountOnPark: true });
      await placeChild(parent, { status: 'FINISHED' }, 0);
      await placeChild(parent, { status: 'FINISHED' }, 1);
      await placeChild(parent, { status: 'RUNNING' }, 2);
      // The stored counts moved on since the parent passed was read: the first recount races.
      await deps().jobs.tryUpdate(parent.id, { add: { childrenDone: 1 } });
      await recountIfRetried(ctx(), parent);
      const recounted = await read(parent.id);
      expect(recounted).toMatchObject({ childrenDone: 2, childrenTotal: 3, parked: 'waiting', recountedAt: now, recounts: 0 });
      expect(recounted.recountOnPark).toBeUndefined();
    });

    it('stops when the parent is gone', async () => {
      now = Date.now();
      const id = newJobId(now);
      const gone = jobItem({ id, createDate: now });
      await expect(recountIfRetried(ctx(), { ...gone, parked: 'done', recountOnPark: true, childrenTotal: 1 })).resolves.toBeUndefined();
      expect(await deps().jobs.get(id)).toBeUndefined();
    });

    it('leaves a parent that did not ask for it to the sweeper', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 2, childrenDone: 0, parked: 'done' });
      await placeChild(parent, { status: 'FINISHED' }, 0);
      await placeChild(parent, { status: 'FINISHED' }, 1);
      await recountIfRetried(ctx(), parent);
      expect(await read(parent.id)).toEqual(parent);
    });

    it('leaves a parent that is no longer parked', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 2, childrenDone: 0 }, { recountOnPark: true });
      await placeChild(parent, { status: 'FINISHED' }, 0);
      await recountIfRetried(ctx(), parent);
      expect(await read(parent.id)).toEqual(parent);
    });
  });
});
