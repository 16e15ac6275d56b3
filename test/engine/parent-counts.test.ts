import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { childOutcomes, countChildEnded, jobEnded, settleParent } from '@stint/core/engine/job-tree';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { treePlacer, type ChildState, type ParentState } from '../support/parent-tree.ts';

/**
 * A parent's accounting of its children (packages/core/src/engine/job-tree.ts): the count a
 * child's end adds, the parent it wakes or finishes, the sweeper's settling of a parked
 * parent, and what `waitForChildren` answers (the recount: parent-recount.test.ts). Parents
 * and children are written directly in the state each case needs, the engine's clock is the
 * test's, and no poller runs: each case calls the step under test once and reads the items
 * back. Expected outcomes are the literal tables below.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });

interface ChildEndCase {
  title: string;
  parent: ParentState;
  child: ChildState & { parentless?: boolean };
  after: { childrenDone: number; hasErrors: boolean; parked: 'waiting' | 'done' | undefined; status: JobStatus; changed: boolean };
}

const CHILD_ENDS: ChildEndCase[] = [
  {
    title: 'a child’s end is counted on its waiting parent',
    parent: { childrenTotal: 2, childrenDone: 0, parked: 'waiting' },
    child: { status: 'FINISHED' },
    after: { childrenDone: 1, hasErrors: false, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'a failed child marks its parent',
    parent: { childrenTotal: 2, childrenDone: 0, parked: 'waiting' },
    child: { status: 'FINISHED', hasErrors: true },
    after: { childrenDone: 1, hasErrors: true, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'the last child’s end wakes its waiting parent',
    parent: { childrenTotal: 1, childrenDone: 0, parked: 'waiting' },
    child: { status: 'CANCELED' },
    after: { childrenDone: 1, hasErrors: false, parked: undefined, status: 'RUNNING', changed: true },
  },
  {
    title: 'the last child’s end finishes a parent whose run was done',
    parent: { childrenTotal: 1, childrenDone: 0, parked: 'done' },
    child: { status: 'FINISHED' },
    after: { childrenDone: 1, hasErrors: false, parked: undefined, status: 'FINISHED', changed: true },
  },
  {
    title: 'a child with no run of its parent counts for run 0',
    parent: { childrenTotal: 2, childrenDone: 0, parked: 'waiting' },
    child: { status: 'FINISHED', run: null },
    after: { childrenDone: 1, hasErrors: false, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'a child of the current run after a restart is counted',
    parent: { run: 2, childrenTotal: 2, childrenDone: 0, parked: 'waiting' },
    child: { status: 'FINISHED', run: 2 },
    after: { childrenDone: 1, hasErrors: false, parked: 'waiting', status: 'RUNNING', changed: true },
  },
  {
    title: 'a child of an earlier run is not counted',
    parent: { run: 1, childrenTotal: 1, childrenDone: 0, parked: 'waiting' },
    child: { status: 'FINISHED', run: 0 },
    after: { childrenDone: 0, hasErrors: false, parked: 'waiting', status: 'RUNNING', changed: false },
  },
  {
    title: 'a child still being adopted is not counted',
    parent: { childrenTotal: 1, childrenDone: 0, parked: 'waiting' },
    child: { status: 'FINISHED', adopting: true },
    after: { childrenDone: 0, hasErrors: false, parked: 'waiting', status: 'RUNNING', changed: false },
  },
  {
    title: 'a FINISHED parent’s counts are final',
    parent: { childrenTotal: 1, childrenDone: 1, status: 'FINISHED' },
    child: { status: 'FINISHED', hasErrors: true },
    after: { childrenDone: 1, hasErrors: false, parked: undefined, status: 'FINISHED', changed: false },
  },
  {
    title: 'a CANCELED parent’s counts are final',
    parent: { childrenTotal: 1, childrenDone: 0, status: 'CANCELED' },
    child: { status: 'FINISHED' },
    after: { childrenDone: 0, hasErrors: false, parked: undefined, status: 'CANCELED', changed: false },
  },
  {
    title: 'a STOPPED parent still counts its children',
    parent: { childrenTotal: 2, childrenDone: 0, status: 'STOPPED' },
    child: { status: 'CANCELED' },
    after: { childrenDone: 1, hasErrors: false, parked: undefined, status: 'STOPPED', changed: true },
  },
];

describe.each(DYNAMO_BACKENDS)('a parent’s accounting of its children on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, ctx, read } = engineStack(backend, { definitions: [NODE], clock: () => now });
  const { placeParent, placeChild } = treePlacer(deps, () => now);

  describe('a child’s end', () => {
    it.each(CHILD_ENDS)('$title', async ({ parent: state, child: childState, after }) => {
      now = Date.now();
      const parent = await placeParent(state);
      const child = await placeChild(parent, childState, 0);
      now += 1_000;

      await countChildEnded(ctx(), child);
      const counted = await read(parent.id);
      expect({
        childrenDone: counted.childrenDone,
        hasErrors: counted.hasErrors,
        parked: counted.parked,
        status: counted.status,
        changed: counted.childrenChangedAt === now,
      }).toEqual(after);
      if (!after.changed) expect(counted).toEqual(parent);
      if (after.status === 'FINISHED' && after.changed) expect(counted).toMatchObject({ progress: 100, endDate: now });
    });

    it('of a root counts nothing anywhere', async () => {
      now = Date.now();
      const root = await placeParent({ childrenTotal: 0, childrenDone: 0, status: 'FINISHED' });
      await expect(countChildEnded(ctx(), root)).resolves.toBeUndefined();
      expect(await read(root.id)).toEqual(root);
    });

    it('reports the job’s end with what it ended as', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 1, childrenDone: 0, parked: 'waiting' });
      const child = await placeChild(parent, { status: 'CANCELED', hasErrors: true }, 0);
      await jobEnded(ctx(), child);
      expect(stack().events.filter((event) => event.type === 'jobEnded' && event.jobId === child.id)).toEqual([
        { type: 'jobEnded', jobId: child.id, rootId: parent.id, tenant: 'acme', jobType: 'NODE', status: 'CANCELED', hasErrors: true },
      ]);
      const counted = await read(parent.id);
      expect({ childrenDone: counted.childrenDone, hasErrors: counted.hasErrors, parked: counted.parked }).toEqual({
        childrenDone: 1,
        hasErrors: true,
        parked: undefined,
      });
    });
    it('of siblings ending together in one process is counted in one write behind the first, and finishes their parent once', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 5, childrenDone: 0, parked: 'done' });
      const children = await Promise.all([0, 1, 2, 3, 4].map((seq) => placeChild(parent, { status: 'FINISHED', hasErrors: seq === 3 }, seq)));
      const counts: number[] = [];
      const original = deps().jobs.tryUpdate;
      deps().jobs.tryUpdate = (id, spec) => {
        if (id === parent.id && spec.add?.childrenDone !== undefined) counts.push(spec.add.childrenDone as number);
        return original.call(deps().jobs, id, spec);
      };
      try {
        await Promise.all(children.map((child) => countChildEnded(ctx(), child)));
      } finally {
        deps().jobs.tryUpdate = original;
      }
      // The first end is written at once; the four that end while it is out wait and go together.
      expect(counts).toEqual([1, 4]);
      expect(await read(parent.id)).toMatchObject({ childrenDone: 5, hasErrors: true, status: 'FINISHED' });
      expect(stack().events.filter((event) => event.type === 'jobEnded' && event.jobId === parent.id)).toHaveLength(1);
    });
  });

  describe('a schedule run’s end', () => {
    it('is recorded for a run of a schedule only, and a record that fails is a warning that undoes nothing', async () => {
      now = Date.now();
      const recorded: string[] = [];
      const original = deps().runEnded;
      deps().runEnded = async (record) => {
        recorded.push(record.id);
        if (record.data.failRecord) throw new Error('history unavailable');
      };
      try {
        const plain = await placeParent({ childrenTotal: 0, childrenDone: 0, status: 'FINISHED' });
        const run = await placeParent({ childrenTotal: 0, childrenDone: 0, status: 'FINISHED' }, { scheduleId: 'nightly' });
        const failing = await placeParent({ childrenTotal: 0, childrenDone: 0, status: 'FINISHED' }, { scheduleId: 'nightly', data: { failRecord: true } });
        await jobEnded(ctx(), plain);
        await jobEnded(ctx(), run);
        await expect(jobEnded(ctx(), failing)).resolves.toBeUndefined();
        expect(recorded).toEqual([run.id, failing.id]);
        expect(stack().events.filter((event) => event.type === 'warning' && [plain.id, run.id, failing.id].includes(event.jobId as string))).toEqual([
          { type: 'warning', message: 'recording or reporting a schedule run failed', jobId: failing.id, error: new Error('history unavailable') },
        ]);
      } finally {
        deps().runEnded = original;
      }
    });
  });

  describe('settling a parked parent', () => {
    const SETTLES: Array<{
      title: string;
      parent: ParentState;
      stale?: Partial<JobRecord>;
      after: { status: JobStatus; parked: 'waiting' | 'done' | undefined };
    }> = [
      {
        title: 'finishes a done parent whose children all ended',
        parent: { childrenTotal: 2, childrenDone: 2, parked: 'done' },
        after: { status: 'FINISHED', parked: undefined },
      },
      {
        title: 'wakes a waiting parent whose children all ended',
        parent: { childrenTotal: 2, childrenDone: 2, parked: 'waiting' },
        after: { status: 'RUNNING', parked: undefined },
      },
      {
        title: 'finishes a done parent with no children',
        parent: { childrenTotal: 0, childrenDone: 0, parked: 'done' },
        after: { status: 'FINISHED', parked: undefined },
      },
      {
        title: 'leaves a done parent with a child still running',
        parent: { childrenTotal: 2, childrenDone: 1, parked: 'done' },
        after: { status: 'RUNNING', parked: 'done' },
      },
      {
        title: 'leaves a waiting parent with a child still running',
        parent: { childrenTotal: 2, childrenDone: 1, parked: 'waiting' },
        after: { status: 'RUNNING', parked: 'waiting' },
      },
      { title: 'leaves a parent that is not parked', parent: { childrenTotal: 2, childrenDone: 2 }, after: { status: 'RUNNING', parked: undefined } },
      {
        title: 'does not finish a done parent whose stored counts say a child still runs',
        parent: { childrenTotal: 2, childrenDone: 1, parked: 'done' },
        stale: { childrenDone: 2 },
        after: { status: 'RUNNING', parked: 'done' },
      },
      {
        title: 'does not wake a waiting parent whose stored counts say a child still runs',
        parent: { childrenTotal: 2, childrenDone: 1, parked: 'waiting' },
        stale: { childrenDone: 2 },
        after: { status: 'RUNNING', parked: 'waiting' },
      },
      {
        title: 'does not finish a parent that went back to waiting',
        parent: { childrenTotal: 1, childrenDone: 1, parked: 'waiting' },
        stale: { parked: 'done' },
        after: { status: 'RUNNING', parked: 'waiting' },
      },
      {
        title: 'does not wake a parent whose run is done',
        parent: { childrenTotal: 1, childrenDone: 1, parked: 'done' },
        stale: { parked: 'waiting' },
        after: { status: 'RUNNING', parked: 'done' },
      },
    ];

    it.each(SETTLES)('$title', async ({ parent: state, stale, after }) => {
      now = Date.now();
      const parent = await placeParent(state);
      now += 1_000;
      await settleParent(ctx(), { ...parent, ...stale });
      const settled = await read(parent.id);
      expect({ status: settled.status, parked: settled.parked }).toEqual(after);
      if (after.status === 'FINISHED') {
        expect(settled).toMatchObject({ progress: 100, endDate: now });
        expect(stack().events).toContainEqual(expect.objectContaining({ type: 'jobEnded', jobId: parent.id, status: 'FINISHED' }));
      } else if (after.parked === state.parked) {
        expect(settled).toEqual(parent);
        // Read as it is stored, not even its root's lane was touched: nothing was made ready.
        if (!stale) expect((await deps().jobs.queryPartition(`F#${parent.id}`, '')).items).toEqual([]);
      } else {
        // Woken: ready for a worker in its root's ready set (or already dispatched by the pump).
        expect(settled.gsi5pk).toMatch(/^(R#normal#|I#)/);
      }
    });
  });

  describe('what waitForChildren answers', () => {
    it('lists the current run’s children in spawn order, then adoption order, with their outcomes', async () => {
      now = Date.now();
      const parent = await placeParent({ run: 1, childrenTotal: 5, childrenDone: 5 });
      const children = [
        await placeChild(parent, { status: 'FINISHED', seq: 3, results: { n: 3 } }, 0),
        await placeChild(parent, { status: 'CANCELED', seq: 1, hasErrors: true }, 1),
        await placeChild(parent, { status: 'FINISHED', seq: 2 }, 2),
        await placeChild(parent, { status: 'FINISHED', run: 0, seq: 1 }, 3),
        await placeChild(parent, { status: 'FINISHED', seq: 9, adopting: true }, 4),
        await placeChild(parent, { status: 'FINISHED', createdAfter: 50, results: { adopted: 'late' } }, 5),
        await placeChild(parent, { status: 'CANCELED', createdAfter: 20 }, 6),
      ];
      const [third, first, second, , , lateAdopted, earlyAdopted] = children;
      expect(await childOutcomes(deps(), parent)).toEqual([
        { id: earlyAdopted!.id, type: 'NODE', status: 'CANCELED', hasErrors: false, results: null },
        { id: lateAdopted!.id, type: 'NODE', status: 'FINISHED', hasErrors: false, results: { adopted: 'late' } },
        { id: first!.id, type: 'NODE', status: 'CANCELED', hasErrors: true, results: null },
        { id: second!.id, type: 'NODE', status: 'FINISHED', hasErrors: false, results: null },
        { id: third!.id, type: 'NODE', status: 'FINISHED', hasErrors: false, results: { n: 3 } },
      ]);
    });

    it('counts a child with no run of its parent as run 0’s', async () => {
      now = Date.now();
      const parent = await placeParent({ childrenTotal: 1, childrenDone: 1 });
      const child = await placeChild(parent, { status: 'FINISHED', run: null }, 0);
      expect((await childOutcomes(deps(), parent)).map((outcome) => outcome.id)).toEqual([child.id]);
    });
  });
});
