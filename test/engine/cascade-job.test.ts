import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobRecord } from '@stint/core/job-record';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { treeJobItem } from '../support/job-items.ts';

/**
 * The CASCADE job itself (packages/core/src/engine/cascade-job.ts): the walk of a tree too
 * wide for one request, one step per page of 100 children until a page ends the walk; an
 * internal type (no submission from outside starts it), labelled by its operation when its
 * submitter names no label, that neither a stop nor a retry interrupts or repeats. Trees are
 * written directly; the engine's clock is the test's, and slices are run by hand.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });

describe.each(DYNAMO_BACKENDS)('the CASCADE job on %s', (backend) => {
  let now = Date.now();
  const { stack, deps } = engineStack(backend, { definitions: [NODE], clock: () => now });
  const read = (id: string) => deps().jobs.get(id);
  const checkpoints = async (id: string) => (await deps().jobs.queryPartition(`J#${id}`, 'C#')).items.map((item) => item.sk as string);
  /** Runs work messages for the job by hand until it has ended (at most `slices`); its outcomes. */
  async function runToEnd(job: { id: string; rootId: string; tenant: string }, slices = 5): Promise<unknown[]> {
    const outcomes: unknown[] = [];
    for (let i = 0; i < slices; i++) {
      const status = (await read(job.id))?.status;
      if (status === 'FINISHED' || status === 'CANCELED' || status === 'STOPPED') break;
      outcomes.push(...(await stack().engine.processBatch([{ body: encodeWorkMessage({ jobId: job.id, rootId: job.rootId, tenant: job.tenant }) }])).outcomes);
    }
    return outcomes;
  }

  /** A FINISHED job of NODE written directly: a root, or its parent's `seq`-th child. */
  async function place(tenant: string, parent: JobRecord | null, fields: Partial<JobRecord> = {}, seq = 1): Promise<JobRecord> {
    const record = treeJobItem(now, 'FINISHED', parent, { tenant, seq, fields });
    await deps().jobs.create(record);
    return record;
  }

  it('removes a tree of 101 children a page of 100 at a time, one step a page, and ends after the page that ends the walk', async () => {
    now = Date.now();
    const tenant = 'three-pages';
    // The root counts 501 children (more than a request walks); 101 are written: two pages.
    const root = await place(tenant, null, { childrenTotal: 501, childrenDone: 501 });
    const children = await Promise.all(Array.from({ length: 101 }, (_, i) => place(tenant, root, {}, i + 1)));
    const before = stack().events.length;
    expect(await stack().engine.apply('delete', root.id, { tenant })).toBeNull();
    const created = stack()
      .events.slice(before)
      .filter((event) => event.type === 'jobCreated' && event.jobType === 'CASCADE');
    expect(created).toHaveLength(1);
    const walkId = (created[0] as { jobId: string }).jobId;

    await runToEnd({ id: walkId, rootId: walkId, tenant });

    expect(await read(walkId)).toMatchObject({ status: 'FINISHED', hasErrors: false, results: { pages: 2 } });
    // A step's checkpoint is stored at the next step's boundary: the last page's ends with the job.
    expect(await checkpoints(walkId)).toEqual(['C#page-0']);
    expect([...(await deps().jobs.getMany([root.id, ...children.map((child) => child.id)], true)).keys()]).toEqual([]);
  });

  it('is labelled by its operation and job when its submitter names no label', async () => {
    now = Date.now();
    const tenant = 'unlabelled';
    const root = await place(tenant, null);
    await deps().submitSystemJob!({ type: 'CASCADE', tenant, data: { jobId: root.id, operation: 'cancel' } });
    const walk = stack().events.filter((event) => event.type === 'jobCreated' && event.jobType === 'CASCADE' && event.tenant === tenant);
    expect(walk).toHaveLength(1);

    expect(await read((walk[0] as { jobId: string }).jobId)).toMatchObject({ label: `cancel the descendants of ${root.id}`, system: true });
  });

  it('is refused to any submitter from outside the engine, as an internal type', async () => {
    now = Date.now();
    const input = { type: 'CASCADE', tenant: 'outside', data: { jobId: 'J-none', operation: 'cancel' } };

    await expect(stack().engine.submit({ ...input, submitter: { kind: 'scheduler', scheduleId: 'nightly' } })).rejects.toThrow(
      "CASCADE is an internal job type; only Stint's own code starts it",
    );
  });

  it('walks on to its end when a stop reaches it held by a worker', async () => {
    now = Date.now();
    const tenant = 'not-stoppable';
    const root = await place(tenant, null, { childrenTotal: 1, childrenDone: 1, deleting: true });
    const child = await place(tenant, root);
    await deps().submitSystemJob!({ type: 'CASCADE', tenant, data: { jobId: root.id, operation: 'delete' }, label: 'walk' });
    const walkId = (stack().events.find((event) => event.type === 'jobCreated' && event.jobType === 'CASCADE' && event.tenant === tenant) as { jobId: string })
      .jobId;
    // What a stop leaves on a job a worker holds: STOPPING, for the worker to end at its next step.
    expect(await deps().jobs.tryUpdate(walkId, { set: { status: 'STOPPING' } })).not.toBeNull();

    await runToEnd({ id: walkId, rootId: walkId, tenant });

    expect(await read(walkId)).toMatchObject({ status: 'FINISHED', results: { pages: 1 } });
    expect([...(await deps().jobs.getMany([root.id, child.id], true)).keys()]).toEqual([]);
  });

  it('refuses a retry, even of a walk that ended with errors', async () => {
    now = Date.now();
    const tenant = 'not-retryable';
    const walk = await place(tenant, null, { type: 'CASCADE', label: 'walk', system: true, hasErrors: true, data: { jobId: 'J-gone', operation: 'delete' } });

    await expect(stack().engine.apply('retry', walk.id, { tenant })).rejects.toThrow('job type CASCADE is not retryable');
    expect(await read(walk.id)).toMatchObject({ status: 'FINISHED', version: walk.version });
  });
});
