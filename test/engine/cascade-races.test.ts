import { describe, expect, it, vi } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import { cascadeToChildren } from '@stint/core/engine/cascade';
import type { CascadeOperation } from '@stint/core/engine/cascade-marker';
import { bumpVersion } from '@stint/core/engine/transitions';
import { statusIndexKeys } from '@stint/core/store/table-keys';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';

/**
 * The walk of an operation below a job (packages/core/src/engine/cascade.ts) against other
 * writers: a child written between the walk's read and its write is read again and the step
 * judged anew, a few times, and a child removed meanwhile is passed over. Crash-point hooks
 * cut a child's cancel short. Jobs are written directly, the engine's clock is the test's and
 * no poller runs.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
const LEASE_MS = 10_000;

interface ChildState {
  status: JobStatus;
  leaseIn?: number;
}

const RACED: Array<{ operation: CascadeOperation; child: ChildState; after: JobStatus; low?: boolean }> = [
  { operation: 'stop', child: { status: 'PENDING' }, after: 'STOPPED' },
  { operation: 'stop', child: { status: 'RUNNING', leaseIn: LEASE_MS }, after: 'STOPPING' },
  { operation: 'resume', child: { status: 'STOPPED' }, after: 'PENDING' },
  { operation: 'resume', child: { status: 'STOPPING', leaseIn: LEASE_MS }, after: 'RUNNING' },
  { operation: 'cancel', child: { status: 'PENDING' }, after: 'CANCELED' },
  { operation: 'cancel', child: { status: 'STOPPED' }, after: 'CANCELED' },
  { operation: 'cancel', child: { status: 'CANCELING' }, after: 'CANCELED' },
  { operation: 'set-low-priority', child: { status: 'RUNNING', leaseIn: LEASE_MS }, after: 'RUNNING', low: true },
];

describe.each(DYNAMO_BACKENDS)('the walk of an operation against other writers on %s', (backend) => {
  let now = Date.now();
  const { deps, ctx } = engineStack(backend, { definitions: [NODE], clock: () => now });
  const read = (id: string) => deps().jobs.get(id);

  async function place(state: ChildState, parent?: JobRecord, extra: Partial<JobRecord> = {}): Promise<JobRecord> {
    const id = newJobId(now);
    const base = jobItem({
      id,
      parentId: parent?.id ?? null,
      rootId: parent?.rootId ?? id,
      createDate: now - 10_000,
      ...(parent ? { spawn: { parentRun: 0 } } : {}),
    });
    const record: JobRecord = {
      ...base,
      status: state.status,
      ...statusIndexKeys(base, state.status),
      ...(state.status !== 'PENDING' ? { startDate: now - 9_000 } : {}),
      ...(state.status === 'STOPPED' ? { endDate: now - 1_000 } : {}),
      ...(state.leaseIn !== undefined ? { leaseExpiresAt: now + state.leaseIn } : {}),
      ...extra,
    };
    await deps().jobs.create(record);
    return record;
  }

  /**
   * Runs the walk while each of the child's first `times` reads is followed by another
   * writer's change to it (its progress set to how many changes so far), or by `onRead`.
   */
  async function walkWhileChanging(operation: CascadeOperation, state: ChildState, times: number, onRead?: (child: JobRecord) => Promise<void>) {
    now = Date.now();
    const parent = await place({ status: 'RUNNING', leaseIn: LEASE_MS }, undefined, { childrenTotal: 1 });
    const child = await place(state, parent);
    const jobs = deps().jobs;
    let changes = 0;
    const change = async () => {
      if (changes >= times) return;
      changes++;
      if (onRead) await onRead(child);
      else await jobs.tryUpdate(child.id, { ...bumpVersion, set: { progress: changes } });
    };
    const get = jobs.get.bind(jobs);
    const getMany = jobs.getMany.bind(jobs);
    const spies = [
      vi.spyOn(jobs, 'get').mockImplementation(async (id) => {
        const found = await get(id);
        if (id === child.id) await change();
        return found;
      }),
      vi.spyOn(jobs, 'getMany').mockImplementation(async (ids) => {
        const found = await getMany(ids);
        if (ids.includes(child.id)) await change();
        return found;
      }),
    ];
    try {
      await cascadeToChildren(ctx(), parent, operation, now);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return { child, after: await read(child.id) };
  }

  it.each(RACED)('$operation of a $child.status child changed once under it is applied on a second read', async ({ operation, child, after, low }) => {
    const walked = await walkWhileChanging(operation, child, 1);
    expect(walked.after?.status).toBe(after);
    if (low !== undefined) expect(walked.after?.lowPriority).toBe(low);
  });

  it.each([
    ['stop', 'STOPPED'],
    ['cancel', 'CANCELED'],
  ] as const)('%s of a working child that parks between the walk’s read and its write ends it %s, not STOPPING with no worker', async (operation, ended) => {
    const { after } = await walkWhileChanging(operation, { status: 'RUNNING', leaseIn: LEASE_MS }, 1, async (child) => {
      // A park releases the lease and leaves the version as it was (slice-outcomes.ts).
      await deps().jobs.tryUpdate(child.id, { set: { parked: 'waiting', parkedAt: now }, remove: ['leaseOwner', 'leaseExpiresAt'] });
    });
    expect(after?.status).toBe(ended);
  });

  it('stops a child changed under it four times on its fifth read', async () => {
    const { after } = await walkWhileChanging('stop', { status: 'PENDING' }, 4);
    expect([after?.status, after?.progress]).toEqual(['STOPPED', 4]);
  });

  it('leaves a child changed under it five times, its own state standing', async () => {
    const { after } = await walkWhileChanging('stop', { status: 'PENDING' }, 5);
    expect([after?.status, after?.progress]).toEqual(['PENDING', 5]);
  });

  it('passes over a child removed under it', async () => {
    const walked = await walkWhileChanging('stop', { status: 'PENDING' }, 1, async (child) => {
      await deps().jobs.deleteJobIf(child.id, 'attribute_exists(pk)', {});
    });
    expect(walked.after).toBeUndefined();
  });

  /**
   * Runs a cancel while another writer changes the child (its progress set to 1) just before
   * the walk's `nth` conditional write to it: the walk's first write went through, its second
   * lost the race.
   */
  async function cancelRacedAtWrite(state: ChildState, nth: number) {
    now = Date.now();
    const parent = await place({ status: 'STOPPED' }, undefined, { childrenTotal: 1 });
    const child = await place(state, parent);
    const jobs = deps().jobs;
    const tryUpdate = jobs.tryUpdate.bind(jobs);
    let writes = 0;
    const spy = vi.spyOn(jobs, 'tryUpdate').mockImplementation(async (id, spec) => {
      if (id === child.id && ++writes === nth) await tryUpdate(id, { ...bumpVersion, set: { progress: 1 } });
      return tryUpdate(id, spec);
    });
    try {
      await cascadeToChildren(ctx(), parent, 'cancel', now);
    } finally {
      spy.mockRestore();
    }
    return { writes, after: (await read(child.id))! };
  }

  it('reads a STOPPED child again when its end lost a race after its CANCELING write, and ends it', async () => {
    const { writes, after } = await cancelRacedAtWrite({ status: 'STOPPED' }, 2);
    // CANCELING, the refused end, then the end once read again.
    expect([writes, after.status, after.progress]).toEqual([3, 'CANCELED', 1]);
  });

  it('reads a PENDING child again when its end lost a race after its cancel request, and ends it', async () => {
    const { writes, after } = await cancelRacedAtWrite({ status: 'PENDING' }, 2);
    // The request, the refused end, then the request and the end once read again.
    expect([writes, after.status, after.progress]).toEqual([4, 'CANCELED', 1]);
  });

  describe('a child’s cancel cut short', () => {
    /** A CANCELING child with a checkpoint, below a parent that counts it; the walk dies at `point` for the child. */
    async function cancelDyingAt(point: string) {
      now = Date.now();
      const parent = await place({ status: 'STOPPED' }, undefined, { childrenTotal: 1, childrenDone: 0 });
      const child = await place({ status: 'CANCELING' }, parent);
      await deps().checkpoints.save(child.id, { name: 'first', result: 1, spawnSeq: 0 });
      setCrashPointHook((at, detail) => {
        if (at === point && detail.jobId === child.id && detail.jobType === 'NODE') throw new Error(`died at ${point}`);
      });
      await expect(cascadeToChildren(ctx(), parent, 'cancel', now)).rejects.toThrow(`died at ${point}`);
      setCrashPointHook(undefined);
      return { parent: (await read(parent.id))!, child: (await read(child.id))!, checkpoints: (await deps().checkpoints.load(child.id)).size };
    }

    it('once its descendants are done keeps it canceling, with its checkpoints, for the sweeper to end', async () => {
      const { parent, child, checkpoints } = await cancelDyingAt('cascade.childrenDone');
      expect([child.status, checkpoints, parent.childrenDone]).toEqual(['CANCELING', 1, 0]);
    });

    it('once it ended leaves it canceled and its end not yet counted on its parent', async () => {
      const { parent, child, checkpoints } = await cancelDyingAt('cascade.ended');
      expect([child.status, checkpoints, parent.childrenDone]).toEqual(['CANCELED', 0, 0]);
    });
  });
});
