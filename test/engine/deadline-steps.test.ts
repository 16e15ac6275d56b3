import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { cancelTimedOutChildren, DeadlineExceededError, enforceDeadline, pastDeadline } from '@stint/core/engine/deadline';
import type { JobRecord } from '@stint/core/job-record';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { engineStack } from '../support/engine-stack.ts';
import { treeJobItem } from '../support/job-items.ts';

/** The engine's default settle grace. */
const SETTLE_GRACE_MS = 60_000;
const NODE = defineJob({ type: 'NODE', timeoutMs: 1_000, run: async () => ({}) });

/**
 * A deadline's steps (packages/core/src/engine/deadline.ts) called by hand on parents placed
 * in the state each case needs: when the children of a parent are canceled for its deadline,
 * and when the sweeper leaves a parent past its deadline alone. The engine's clock is the
 * test's; no poller runs.
 */
describe.each(DYNAMO_BACKENDS)('a deadline’s steps on %s', (backend) => {
  let now = Date.now();
  const { deps, ctx } = engineStack(backend, { definitions: [NODE], clock: () => now });

  /** A parent in `status` with `fields`, past its deadline, and one PENDING child. */
  async function parentWithChild(fields: Partial<JobRecord>, status: JobStatus = 'RUNNING') {
    const parent = treeJobItem(now, status, null, { fields: { childrenTotal: 1, deadlineAt: now - 1, ...fields } });
    const child = treeJobItem(now, 'PENDING', parent);
    await deps().jobs.create(parent);
    await deps().jobs.create(child);
    return { parent, child };
  }
  const statusOf = async (id: string) => (await deps().jobs.get(id))?.status;

  it('names the error after the deadline and the timeout it passed', () => {
    const error = pastDeadline({ timeoutMs: 1_000 });
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect([error.name, error.message]).toEqual(['DeadlineExceededError', 'the job ran past its timeout of 1000 ms']);
  });

  describe('cancelTimedOutChildren', () => {
    it.each([
      ['timed out and parked as done', { timedOut: true, parked: 'done' }, 'CANCELED'],
      ['timed out but parked waiting', { timedOut: true, parked: 'waiting' }, 'PENDING'],
      ['parked as done but not timed out (restarted, say)', { parked: 'done' }, 'PENDING'],
    ] as const)('cancels the children of a parent %s only when it is both', async (_name, fields, childStatus) => {
      now = Date.now();
      const { parent, child } = await parentWithChild({ ...fields, parkedAt: now - 1_000 });
      await cancelTimedOutChildren(ctx(), parent.id);
      expect(await statusOf(child.id)).toBe(childStatus);
    });

    it('does nothing for a parent that is gone', async () => {
      await expect(cancelTimedOutChildren(ctx(), 'gone')).resolves.toBeUndefined();
    });
  });

  describe('enforceDeadline', () => {
    const quiet = () => now - SETTLE_GRACE_MS - 1;

    it.each([
      ['timed out, a child left, parked past the settle grace', { timedOut: true, childrenDone: 0 }, true, 'CANCELED'],
      ['done with its own run in time, a child left', { childrenDone: 0 }, false, 'PENDING'],
      ['timed out with every child counted', { timedOut: true, childrenDone: 1 }, false, 'PENDING'],
    ] as const)('for a parent parked as done, %s: %s', async (_name, fields, enforced, childStatus) => {
      now = Date.now();
      const { parent, child } = await parentWithChild({ ...fields, parked: 'done', parkedAt: quiet() });
      expect(await enforceDeadline(ctx(), parent, now)).toBe(enforced);
      expect(await statusOf(child.id)).toBe(childStatus);
    });
  });
});
