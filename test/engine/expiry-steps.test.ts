import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';
import { engineStack } from '../support/engine-stack.ts';

/**
 * The steps of cleaning up after TTL (packages/core/src/engine/expiry.ts), one removed job at
 * a time: a scheduled run's record is settled from the job's old image first, then what the job
 * left is removed (its lane items only for a root), each step marked by its crash point. The
 * jobs are placed by the test, as TTL leaves them: their item gone, their logs, checkpoints
 * and lanes still there; the schedules' `runRemoved` is watched, not run.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });

describe.each(DYNAMO_BACKENDS)('the steps of an expired job’s clean-up on %s', (backend) => {
  let now = Date.now();
  const { stack, deps } = engineStack(backend, { definitions: [NODE], clock: () => now });
  /** The schedules' own `runRemoved`, put back after a case watched it instead. */
  let runRemoved: ReturnType<typeof deps>['runRemoved'];
  beforeEach(() => {
    runRemoved = deps().runRemoved;
  });
  afterEach(() => {
    deps().runRemoved = runRemoved;
  });
  const partition = async (pk: string) => (await deps().jobs.queryPartition(pk, '')).items.map((item) => item.sk as string);
  let serial = 0;

  /** The old image of an ended job TTL removed, with a log line and a checkpoint left in its partition and, for a root, a lane item. */
  async function expiredJob(fields: { scheduleId?: string; rootId?: string } = {}): Promise<JobRecord> {
    serial += 1;
    const id = `expired-${backend}-${serial}-${now}`;
    const record: JobRecord = {
      ...jobItem({ id, createDate: now, parentId: fields.rootId ?? null, rootId: fields.rootId ?? id, ...fields }),
      status: 'FINISHED',
      endDate: now,
    };
    await deps().jobs.put({ pk: `J#${id}`, sk: 'L#0000000000001#000001', message: 'a line' });
    await deps().jobs.put({ pk: `J#${id}`, sk: 'C#first', value: 1 });
    if (!fields.rootId) await deps().jobs.put({ pk: `F#${id}`, sk: 'L#normal' });
    return record;
  }

  it('settles a scheduled run’s record from the image, before removing what the job left', async () => {
    now = Date.now();
    const scheduled = await expiredJob({ scheduleId: 'nightly' });
    const plain = await expiredJob();
    const settled: Array<{ id: string; scheduleId: string | undefined; left: string[] }> = [];
    deps().runRemoved = async (record) => {
      settled.push({ id: record.id, scheduleId: record.scheduleId, left: await partition(`J#${record.id}`) });
    };

    expect(await stack().engine.expired([scheduled as unknown as Record<string, unknown>, plain as unknown as Record<string, unknown>])).toEqual({
      cleaned: 2,
      ignored: 0,
    });

    expect(settled).toEqual([{ id: scheduled.id, scheduleId: 'nightly', left: ['C#first', 'L#0000000000001#000001'] }]);
    expect(await partition(`J#${scheduled.id}`)).toEqual([]);
    expect(await partition(`J#${plain.id}`)).toEqual([]);
  });

  it('marks the settled run and the removed leftovers with crash points that name the job', async () => {
    now = Date.now();
    const record = await expiredJob({ scheduleId: 'hourly' });
    deps().runRemoved = async () => {};
    const hits: Array<{ point: string; jobId: string | undefined; jobType: string | undefined; left: string[] }> = [];
    setCrashPointHook(async (point, detail) => {
      if (!point.startsWith('expiry.')) return;
      hits.push({ point, jobId: detail.jobId, jobType: detail.jobType, left: await partition(`J#${record.id}`) });
    });

    expect(await stack().engine.expired([record as unknown as Record<string, unknown>])).toEqual({ cleaned: 1, ignored: 0 });

    expect(hits).toEqual([
      { point: 'expiry.runSettled', jobId: record.id, jobType: 'NODE', left: ['C#first', 'L#0000000000001#000001'] },
      { point: 'expiry.leftoversRemoved', jobId: record.id, jobType: 'NODE', left: [] },
    ]);
  });

  it('fails the pass at a crash point and keeps what the job left for the retry', async () => {
    now = Date.now();
    const record = await expiredJob();
    setCrashPointHook((point, detail) => {
      if (point === 'expiry.runSettled' && detail.jobId === record.id) throw new Error('died at expiry.runSettled');
    });

    const report = await stack().engine.expired([record as unknown as Record<string, unknown>]);

    expect(report).toMatchObject({ cleaned: 0, ignored: 0, failed: { index: 0, error: new Error('died at expiry.runSettled') } });
    expect(await partition(`J#${record.id}`)).toEqual(['C#first', 'L#0000000000001#000001']);
    expect(await partition(`F#${record.id}`)).toEqual(['L#normal']);
  });

  it('removes a child’s logs and checkpoints and leaves the lanes of its root', async () => {
    now = Date.now();
    const root = await expiredJob();
    const child = await expiredJob({ rootId: root.id });

    expect(await stack().engine.expired([child as unknown as Record<string, unknown>])).toEqual({ cleaned: 1, ignored: 0 });

    expect(await partition(`J#${child.id}`)).toEqual([]);
    expect(await partition(`F#${root.id}`)).toEqual(['L#normal']);
    expect(await partition(`J#${root.id}`)).toEqual(['C#first', 'L#0000000000001#000001']);
  });

  it('ignores an image without string keys, as the stream never carries a job so', async () => {
    now = Date.now();
    const record = await expiredJob();
    const { pk: _pk, ...keyless } = record as unknown as Record<string, unknown>;

    const report = await stack().engine.expired([keyless, { ...record, pk: 7 }, { ...record, sk: 7 }]);

    expect(report).toEqual({ cleaned: 0, ignored: 3 });
    expect(await partition(`J#${record.id}`)).toEqual(['C#first', 'L#0000000000001#000001']);
  });
});
