import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import { cascadeToChildren } from '@stint/core/engine/cascade';
import type { CascadeOperation } from '@stint/core/engine/cascade-marker';
import { readSummary, summaryListings } from '@stint/core/query/stats-reader';
import { dispatchSetOf, rootLaneKey, statusIndexKeys } from '@stint/core/store/table-keys';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';

/**
 * The walk of an operation below a job (packages/core/src/engine/cascade.ts): what each
 * child's state becomes under stop, resume, cancel and the priority flag, the walk going on
 * below the children it changed, and the lanes a moved or resumed child is queued in. Jobs
 * are written directly in the state each case needs, the engine's clock is the test's and no
 * poller runs.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
const LEASE_MS = 10_000;

interface ChildState {
  status: JobStatus;
  /** The lease ends this many ms after `now` (negative: it has run out). */
  leaseIn?: number;
  cancelRequested?: boolean;
  adopting?: boolean;
  lowPriority?: boolean;
  /** In its ready set (a PENDING job waiting to be sent). */
  queued?: boolean;
}

interface After {
  status: JobStatus | 'gone';
  cancelRequested?: boolean;
  lowPriority?: boolean;
  set?: string | undefined;
}

interface WalkCase {
  title: string;
  operation: CascadeOperation;
  child: ChildState;
  after: After;
}

const WALKS: WalkCase[] = [
  { title: 'stop ends a pending child at once', operation: 'stop', child: { status: 'PENDING', queued: true }, after: { status: 'STOPPED', set: undefined } },
  {
    title: 'stop asks a working child to stop at its next step',
    operation: 'stop',
    child: { status: 'RUNNING', leaseIn: LEASE_MS },
    after: { status: 'STOPPING' },
  },
  { title: 'stop ends a running child whose lease ran out', operation: 'stop', child: { status: 'RUNNING', leaseIn: -1 }, after: { status: 'STOPPED' } },
  {
    title: 'stop ends a running child whose lease ends this instant',
    operation: 'stop',
    child: { status: 'RUNNING', leaseIn: 0 },
    after: { status: 'STOPPED' },
  },
  { title: 'stop leaves a child still being adopted', operation: 'stop', child: { status: 'PENDING', adopting: true }, after: { status: 'PENDING' } },
  { title: 'stop leaves a stopping child', operation: 'stop', child: { status: 'STOPPING', leaseIn: LEASE_MS }, after: { status: 'STOPPING' } },
  { title: 'stop leaves a finished child', operation: 'stop', child: { status: 'FINISHED' }, after: { status: 'FINISHED' } },
  { title: 'resume queues a stopped child again', operation: 'resume', child: { status: 'STOPPED' }, after: { status: 'PENDING', set: 'inFlight' } },
  { title: 'resume keeps a stopping child running', operation: 'resume', child: { status: 'STOPPING', leaseIn: LEASE_MS }, after: { status: 'RUNNING' } },
  {
    title: 'resume leaves a stopping child asked to cancel',
    operation: 'resume',
    child: { status: 'STOPPING', leaseIn: LEASE_MS, cancelRequested: true },
    after: { status: 'STOPPING', cancelRequested: true },
  },
  { title: 'resume leaves a pending child', operation: 'resume', child: { status: 'PENDING', queued: true }, after: { status: 'PENDING', set: 'ready' } },
  { title: 'resume leaves a canceled child', operation: 'resume', child: { status: 'CANCELED' }, after: { status: 'CANCELED' } },
  { title: 'cancel ends a pending child', operation: 'cancel', child: { status: 'PENDING', queued: true }, after: { status: 'CANCELED', set: undefined } },
  { title: 'cancel ends a stopped child', operation: 'cancel', child: { status: 'STOPPED' }, after: { status: 'CANCELED' } },
  { title: 'cancel ends a child left canceling', operation: 'cancel', child: { status: 'CANCELING' }, after: { status: 'CANCELED' } },
  { title: 'cancel ends a running child whose lease ran out', operation: 'cancel', child: { status: 'RUNNING', leaseIn: -1 }, after: { status: 'CANCELED' } },
  {
    title: 'cancel asks a working child to stop, and to end canceled',
    operation: 'cancel',
    child: { status: 'RUNNING', leaseIn: LEASE_MS },
    after: { status: 'STOPPING', cancelRequested: true },
  },
  {
    title: 'cancel marks a stopping child whose worker died, which its recovery ends',
    operation: 'cancel',
    child: { status: 'STOPPING', leaseIn: -1 },
    after: { status: 'STOPPING', cancelRequested: true },
  },
  { title: 'cancel removes a child still being adopted', operation: 'cancel', child: { status: 'PENDING', adopting: true }, after: { status: 'gone' } },
  { title: 'cancel leaves a finished child', operation: 'cancel', child: { status: 'FINISHED' }, after: { status: 'FINISHED' } },
  {
    title: 'set-low-priority moves a queued child to the low lane, which sends it',
    operation: 'set-low-priority',
    child: { status: 'PENDING', queued: true },
    after: { status: 'PENDING', lowPriority: true, set: 'inFlight' },
  },
  {
    title: 'set-low-priority flags a running child',
    operation: 'set-low-priority',
    child: { status: 'RUNNING', leaseIn: LEASE_MS },
    after: { status: 'RUNNING', lowPriority: true, set: undefined },
  },
  {
    title: 'set-low-priority leaves a finished child',
    operation: 'set-low-priority',
    child: { status: 'FINISHED' },
    after: { status: 'FINISHED', lowPriority: false },
  },
  {
    title: 'remove-low-priority moves a queued child back to the normal lane, which sends it',
    operation: 'remove-low-priority',
    child: { status: 'PENDING', queued: true, lowPriority: true },
    after: { status: 'PENDING', lowPriority: false, set: 'inFlight' },
  },
];

describe.each(DYNAMO_BACKENDS)('the walk of an operation below a job on %s', (backend) => {
  let now = Date.now();
  const { deps, ctx } = engineStack(backend, { definitions: [NODE], clock: () => now });
  const read = (id: string) => deps().jobs.get(id);

  async function place(tenant: string, state: ChildState, parent?: JobRecord, extra: Partial<JobRecord> = {}): Promise<JobRecord> {
    const id = newJobId(now);
    const base = jobItem(
      {
        id,
        label: `node ${id.slice(-4)}`,
        tenant,
        lowPriority: state.lowPriority ?? false,
        parentId: parent?.id ?? null,
        rootId: parent?.rootId ?? id,
        createDate: now - 10_000,
        ...(parent ? { spawn: { parentRun: 0 } } : {}),
      },
      state.queued ? { readyAt: now - 5_000 } : {},
    );
    const ended = state.status === 'FINISHED' || state.status === 'CANCELED' || state.status === 'STOPPED';
    const record: JobRecord = {
      ...base,
      status: state.status,
      ...statusIndexKeys(base, state.status),
      ...(state.status !== 'PENDING' ? { startDate: now - 9_000 } : {}),
      ...(ended ? { endDate: now - 1_000 } : {}),
      ...(state.leaseIn !== undefined ? { leaseExpiresAt: now + state.leaseIn } : {}),
      ...(state.cancelRequested ? { cancelRequested: true } : {}),
      ...(state.adopting ? { adopting: true } : {}),
      ...extra,
    };
    await deps().jobs.create(record);
    return record;
  }

  /** A running parent that has counted `children` children. */
  const parentOf = (tenant: string, children: number, extra: Partial<JobRecord> = {}) =>
    place(tenant, { status: 'RUNNING', leaseIn: LEASE_MS }, undefined, { childrenTotal: children, ...extra });

  it.each(WALKS)('$title', async ({ operation, child: state, after }) => {
    now = Date.now();
    const parent = await parentOf('walks', 1);
    const child = await place('walks', state, parent);

    await cascadeToChildren(ctx(), parent, operation, now);

    const changed = await read(child.id);
    if (after.status === 'gone') {
      expect(changed).toBeUndefined();
      return;
    }
    expect(changed?.status).toBe(after.status);
    expect(changed?.cancelRequested ?? false).toBe(after.cancelRequested ?? false);
    if (after.lowPriority !== undefined) expect(changed?.lowPriority).toBe(after.lowPriority);
    if ('set' in after) expect(dispatchSetOf(changed!)).toBe(after.set);
  });

  it('enters a queued child’s root in the lane of its new flag, and not the other', async () => {
    now = Date.now();
    const parent = await parentOf('lanes', 1);
    await place('lanes', { status: 'PENDING', queued: true }, parent);

    await cascadeToChildren(ctx(), parent, 'set-low-priority', now);

    expect(await deps().jobs.getItem(rootLaneKey(parent.id, 'low'))).toMatchObject({ pk: `F#${parent.id}` });
    expect(await deps().jobs.getItem(rootLaneKey(parent.id, 'normal'))).toBeUndefined();
  });

  it('enters no lane for a running child it flags: nothing of it waits to be sent', async () => {
    now = Date.now();
    const parent = await parentOf('running-lanes', 1);
    await place('running-lanes', { status: 'RUNNING', leaseIn: LEASE_MS }, parent);

    await cascadeToChildren(ctx(), parent, 'set-low-priority', now);

    expect(await deps().jobs.getItem(rootLaneKey(parent.id, 'low'))).toBeUndefined();
  });

  it('resumes a stopped child from a clean slate: no attempts, lost slices, end or expiry', async () => {
    now = Date.now();
    const parent = await parentOf('resume-slate', 1);
    const child = await place('resume-slate', { status: 'STOPPED' }, parent, { attempt: 3, lostSlices: 2, expiresAt: 1_999_999_999 });

    await cascadeToChildren(ctx(), parent, 'resume', now);

    const resumed = (await read(child.id))!;
    expect([resumed.status, resumed.attempt, resumed.lostSlices, resumed.endDate, resumed.expiresAt]).toEqual(['PENDING', 0, 0, undefined, undefined]);
    expect(resumed.version).toBe(child.version + 1);
    // Its root entered the lane, so the dispatcher finds it again after this pump.
    expect(await deps().jobs.getItem(rootLaneKey(parent.id, 'normal'))).toMatchObject({ pk: `F#${parent.id}` });
  });

  it.each([
    ['stopped 5 s ago moves its deadline on by 5 s', -5_000, 6_000],
    ['whose stop is dated after the clock (another worker’s clock) keeps its deadline', 2_000, 1_000],
  ])('a resumed child %s', async (_title, stoppedIn, deadlineIn) => {
    now = Date.now();
    const parent = await parentOf('resume-deadline', 1);
    const child = await place('resume-deadline', { status: 'STOPPED' }, parent, { endDate: now + stoppedIn, deadlineAt: now + 1_000 });

    await cascadeToChildren(ctx(), parent, 'resume', now);

    expect((await read(child.id))?.deadlineAt).toBe(now + deadlineIn);
  });

  it('resumes a child stopped before its start time into waiting for it, not into its ready set', async () => {
    now = Date.now();
    const parent = await parentOf('resume-delayed', 1);
    const child = await place('resume-delayed', { status: 'STOPPED' }, parent, { runAt: now + 60_000 });

    await cascadeToChildren(ctx(), parent, 'resume', now);

    const resumed = (await read(child.id))!;
    expect([resumed.status, dispatchSetOf(resumed)]).toEqual(['PENDING', 'delayed']);
    expect(await deps().jobs.getItem(rootLaneKey(parent.id, 'normal'))).toBeUndefined();
  });

  it('cancels a stopped child’s checkpoints and counts its end on its parent', async () => {
    now = Date.now();
    const parent = await parentOf('cancel-counts', 1, { childrenDone: 0 });
    const child = await place('cancel-counts', { status: 'STOPPED' }, parent);
    await deps().checkpoints.save(child.id, { name: 'first', result: 1, spawnSeq: 0 });

    await cascadeToChildren(ctx(), parent, 'cancel', now);

    expect((await read(child.id))?.status).toBe('CANCELED');
    expect((await deps().checkpoints.load(child.id)).size).toBe(0);
    expect((await read(parent.id))?.childrenDone).toBe(1);
  });

  it('takes a child still being adopted off the counts when a cancel removes it', async () => {
    now = Date.now();
    const tenant = `adopting-${now}`;
    const parent = await parentOf(tenant, 1);
    await place(tenant, { status: 'PENDING', adopting: true }, parent);
    const counters = ctx();

    await cascadeToChildren(counters, parent, 'cancel', now);
    await counters.counters.flush();

    // Placed directly, the child was never counted: its removal shows as minus one.
    expect(await readSummary(deps().jobs, tenant, summaryListings({ children: true }))).toEqual({
      total: -1,
      active: -1,
      completed: 0,
      failed: 0,
      canceled: 0,
    });
  });

  it.each([
    ['stop', { status: 'PENDING' }, 'STOPPED'],
    ['stop', { status: 'RUNNING', leaseIn: LEASE_MS }, 'STOPPED'],
    ['resume', { status: 'STOPPED' }, 'PENDING'],
    ['cancel', { status: 'RUNNING', leaseIn: LEASE_MS }, 'CANCELED'],
    ['cancel', { status: 'STOPPED' }, 'CANCELED'],
  ] as Array<[CascadeOperation, ChildState, JobStatus]>)('%s goes on below a %o child it changed', async (operation, state, grandchildAfter) => {
    now = Date.now();
    const tenant = 'below';
    const parent = await parentOf(tenant, 1);
    const child = await place(tenant, state, parent, { childrenTotal: 1 });
    const grandchild = await place(tenant, { status: operation === 'resume' ? 'STOPPED' : 'PENDING' }, child);

    await cascadeToChildren(ctx(), parent, operation, now);

    expect((await read(grandchild.id))?.status).toBe(grandchildAfter);
  });

  it('goes on below a child that already has the flag', async () => {
    now = Date.now();
    const parent = await parentOf('flag-below', 1);
    const child = await place('flag-below', { status: 'RUNNING', leaseIn: LEASE_MS, lowPriority: true }, parent, { childrenTotal: 1 });
    const grandchild = await place('flag-below', { status: 'PENDING' }, child);

    await cascadeToChildren(ctx(), parent, 'set-low-priority', now);

    expect((await read(child.id))?.version).toBe(child.version);
    expect((await read(grandchild.id))?.lowPriority).toBe(true);
  });

  it('walks every child of a parent with more than one batch of them', async () => {
    now = Date.now();
    const parent = await parentOf('many', 11);
    const children: JobRecord[] = [];
    for (let i = 0; i < 11; i++) children.push(await place('many', { status: 'PENDING' }, parent));

    await cascadeToChildren(ctx(), parent, 'stop', now);

    const after = await deps().jobs.getMany(children.map((c) => c.id));
    expect([...after.values()].map((c) => c.status)).toEqual(Array.from({ length: 11 }, () => 'STOPPED'));
  });
});
