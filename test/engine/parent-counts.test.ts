import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { childJobId, newJobId } from '@stint/core/new-job';
import { childOutcomes, countChildEnded, jobEnded, recountChildren, recountIfRetried, settleParent } from '@stint/core/engine/job-tree';
import { parkedPartition, statusIndexKeys } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';

/**
 * A parent's accounting of its children (packages/core/src/engine/job-tree.ts): the count a
 * child's end adds, the parent it wakes or finishes, the recount that repairs lost or doubled
 * increments, and what `waitForChildren` answers. Parents and children are written directly
 * in the state each case needs, the engine's clock is the test's, and no poller runs: each
 * case calls the step under test once and reads the items back. Expected outcomes are the
 * literal tables below.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });

interface ParentState {
  run?: number;
  childrenTotal: number;
  childrenDone: number;
  parked?: 'waiting' | 'done';
  hasErrors?: boolean;
  recounts?: number;
  status?: JobStatus;
  /** Spawns the parent counted (set by its flush, so exact); children adopted it counted. */
  spawned?: number;
  adopted?: number;
}

interface ChildState {
  status: JobStatus;
  /** The parent's run it belongs to; `null` writes a child with no `parentRun` at all. */
  run?: number | null;
  hasErrors?: boolean;
  adopting?: boolean;
  /** Submitted with this parent as its `parentId` (no spawn position), not spawned. */
  adopted?: boolean;
  seq?: number;
  results?: Record<string, unknown>;
  /** Milliseconds after the test's `now` it was created. */
  createdAfter?: number;
}

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
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.now();
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [NODE], clock: () => now });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const deps = () => engineInternals(stack.engine).deps;
  const ctx = () => ({ deps: deps(), dispatcher: engineInternals(stack.engine).dispatcher, counters: deps().counters.batch() });
  const read = async (id: string) => (await deps().jobs.get(id))!;

  async function placeParent(state: ParentState, extra: Partial<JobRecord> = {}): Promise<JobRecord> {
    const id = newJobId(now);
    const base = jobItem({ id, createDate: now - 10_000 });
    const status = state.status ?? 'RUNNING';
    const ended = status === 'FINISHED' || status === 'CANCELED' || status === 'STOPPED';
    const record: JobRecord = {
      ...base,
      status,
      ...statusIndexKeys(base, status),
      startDate: now - 9_000,
      ...(ended ? { endDate: now - 1_000 } : {}),
      run: state.run ?? 0,
      childrenTotal: state.childrenTotal,
      childrenDone: state.childrenDone,
      hasErrors: state.hasErrors ?? false,
      ...(state.recounts !== undefined ? { recounts: state.recounts } : {}),
      ...(state.spawned !== undefined ? { spawned: state.spawned } : {}),
      ...(state.adopted !== undefined ? { adopted: state.adopted } : {}),
      ...(state.parked ? { parked: state.parked, parkedAt: now - 5_000, childrenChangedAt: now - 5_000, gsi5pk: parkedPartition(id), gsi5sk: id } : {}),
      ...extra,
    };
    await deps().jobs.create(record);
    return record;
  }

  async function placeChild(parent: JobRecord, state: ChildState, index: number): Promise<JobRecord> {
    const run = state.run === undefined ? parent.run : state.run;
    const seq = state.seq ?? index + 1;
    const id = childJobId(parent.id, run ?? 0, seq) + (state.adopting ? 'a' : '') + (run === null ? 'n' : '');
    const base = jobItem({
      id,
      parentId: parent.id,
      rootId: parent.rootId,
      createDate: now - 8_000 + (state.createdAfter ?? index),
      ...(run === null
        ? {}
        : { spawn: { parentRun: run, ...(state.adopted || (state.seq === undefined && state.createdAfter !== undefined) ? {} : { seq }) } }),
    });
    const ended = state.status === 'FINISHED' || state.status === 'CANCELED';
    const record: JobRecord = {
      ...base,
      status: state.status,
      ...statusIndexKeys(base, state.status),
      ...(state.status !== 'PENDING' ? { startDate: now - 7_000 } : {}),
      ...(ended ? { endDate: now - 6_000 } : {}),
      hasErrors: state.hasErrors ?? false,
      ...(state.adopting ? { adopting: true } : {}),
      ...(state.results ? { results: state.results } : {}),
    };
    await deps().jobs.create(record);
    return record;
  }

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
        expect(stack.events).toContainEqual(expect.objectContaining({ type: 'jobEnded', jobId: parent.id, status: 'FINISHED' }));
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
      expect(stack.events.filter((event) => event.type === 'jobEnded' && event.jobId === child.id)).toEqual([
        { type: 'jobEnded', jobId: child.id, rootId: parent.id, tenant: 'acme', jobType: 'NODE', status: 'CANCELED', hasErrors: true },
      ]);
      const counted = await read(parent.id);
      expect({ childrenDone: counted.childrenDone, hasErrors: counted.hasErrors, parked: counted.parked }).toEqual({
        childrenDone: 1,
        hasErrors: true,
        parked: undefined,
      });
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
        expect(stack.events.filter((event) => event.type === 'warning' && [plain.id, run.id, failing.id].includes(event.jobId as string))).toEqual([
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
        expect(stack.events).toContainEqual(expect.objectContaining({ type: 'jobEnded', jobId: parent.id, status: 'FINISHED' }));
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
