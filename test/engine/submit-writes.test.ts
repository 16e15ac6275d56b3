import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import {
  adoptingPartition,
  delayedPartition,
  delayedSortKey,
  idempotencyKey,
  inFlightPartition,
  inFlightSortKey,
  rootLaneKey,
} from '@stint/core/store/table-keys';
import type { WorkQueue } from '@stint/core/work-queue';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * What a submission writes (packages/core/src/engine/submit.ts), read back from the table:
 * the refusals and their words, a root in flight with its message sent, a low-priority root
 * in its ready set, a later start in the delayed set, a child being adopted with what it takes
 * from its parent, and the idempotency key's expiry. The engine's clock is the test's and no
 * poller runs, so what the submission wrote stays as it wrote it.
 */
const PLAIN = defineJob({ type: 'PLAIN', run: async () => ({}) });
const LABELLED = defineJob<{ n: number }>({ type: 'LABELLED', label: (data) => `number ${data.n}`, run: async () => ({}) });
const LIMITED = defineJob<{ customer: string }>({ type: 'LIMITED', concurrency: { limit: 1, key: (data) => data.customer }, run: async () => ({}) });
const PAIRED = defineJob<{ customer: string }>({ type: 'PAIRED', concurrency: { limit: 2, key: (data) => data.customer }, run: async () => ({}) });
const PARENT = defineJob({ type: 'PARENT', run: async (ctx) => void (await ctx.waitForChildren()) });

describe.each(DYNAMO_BACKENDS)('what a submission writes on %s', (backend) => {
  let now = Date.now();
  const { stack, deps } = engineStack(backend, { definitions: [PLAIN, LABELLED, LIMITED, PAIRED, PARENT], clock: () => now });
  let sends: MockInstance<WorkQueue['send']>;
  beforeAll(() => {
    sends = vi.spyOn(deps().queue, 'send');
  });
  afterEach(() => sends.mockClear());
  afterAll(() => sends?.mockRestore());
  const read = (id: string) => deps().jobs.get(id);
  const sentFor = (id: string) => sends.mock.calls.filter(([, message]) => message.jobId === id).length;

  it('refuses a type the deployment does not run, naming the types a submission may name (not the engine’s own CASCADE)', async () => {
    await expect(stack().engine.submit({ type: 'NOPE', tenant: 'acme' })).rejects.toMatchObject({
      code: 'badRequest',
      field: 'type',
      message:
        'type must be a job type this deployment runs (BULK_OPERATION, CLEAR_INACTIVE, EXPORT_JOBS, LABELLED, LIMITED, PAIRED, PARENT, PLAIN); got "NOPE"',
    });
  });

  it('refuses data nested too deep, and data that gives no concurrency key, naming data', async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) deep = { deep };
    await expect(stack().engine.submit({ type: 'PLAIN', tenant: 'acme', data: deep })).rejects.toMatchObject({
      code: 'badRequest',
      field: 'data',
      message: 'data must nest at most 31 levels of objects and lists; got more than 31',
    });
    await expect(stack().engine.submit({ type: 'LIMITED', tenant: 'acme', data: { customer: '' } })).rejects.toMatchObject({
      code: 'badRequest',
      field: 'data',
      message: expect.stringMatching(/^data gives no concurrency key for type LIMITED/),
    });
  });

  it('refuses a start time that is no time, naming runAt', async () => {
    await expect(stack().engine.submit({ type: 'PLAIN', tenant: 'acme', runAt: 'soon' })).rejects.toMatchObject({
      code: 'badRequest',
      field: 'runAt',
      message: 'runAt must be ms since the epoch or an ISO 8601 date-time; got "soon"',
    });
  });

  it('refuses a parent of another tenant as not found, and an ended one with 409 naming it', async () => {
    now = Date.now();
    const { job: parent } = await stack().engine.submit({ type: 'PARENT', tenant: 'acme' });
    await expect(stack().engine.submit({ type: 'PLAIN', tenant: 'other', parentId: parent.id })).rejects.toMatchObject({
      code: 'notFound',
      message: `parent job ${parent.id} not found`,
    });
    await deps().jobs.tryUpdate(parent.id, { set: { status: 'CANCELED' } });
    await expect(stack().engine.submit({ type: 'PLAIN', tenant: 'acme', parentId: parent.id })).rejects.toMatchObject({
      code: 'conflict',
      message: `parent job ${parent.id} is CANCELED`,
      details: { jobId: parent.id },
    });
  });

  it('writes a root in flight, labelled by its submitter, its type’s label or its type, and sends it at once', async () => {
    now = Date.now();
    const named = (await stack().engine.submit({ type: 'LABELLED', tenant: 'acme', label: 'by hand', data: { n: 1 }, scheduleId: 'nightly' })).job;
    const typed = (await stack().engine.submit({ type: 'LABELLED', tenant: 'acme', data: { n: 2 } })).job;
    const plain = (await stack().engine.submit({ type: 'PLAIN', tenant: 'acme' })).job;

    expect(await read(named.id)).toMatchObject({
      label: 'by hand',
      status: 'PENDING',
      rootId: named.id,
      lowPriority: false,
      createDate: now,
      scheduleId: 'nightly',
      dispatchedAt: now,
      gsi5pk: inFlightPartition(named.id),
      gsi5sk: inFlightSortKey(named.id, named.id),
    });
    expect((await read(named.id))?.parentId).toBeUndefined();
    expect((await read(typed.id))?.label).toBe('number 2');
    expect((await read(plain.id))?.label).toBe('PLAIN');
    expect([sentFor(named.id), sentFor(typed.id), sentFor(plain.id)]).toEqual([1, 1, 1]);
    // Sent straight, not through a lane: no lane item was written for it.
    expect(await deps().jobs.getItem(rootLaneKey(plain.id, 'normal'))).toBeUndefined();
    expect(stack().events).toContainEqual({ type: 'jobCreated', jobId: plain.id, rootId: plain.id, tenant: 'acme', jobType: 'PLAIN' });
  });

  it('writes who submitted a job on someone else’s behalf, and no submitter for a caller’s own job', async () => {
    const admin = { kind: 'caller', principal: { keyId: 'k-root', name: 'Root', role: 'admin', tenant: null } } as const;
    const boss = { id: 'u-boss', name: 'The boss' };
    const onBehalf = (await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', submitter: admin, runBy: boss })).job;
    const own = (await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', submitter: admin })).job;
    expect(await read(onBehalf.id)).toMatchObject({ runBy: boss, submittedBy: { id: 'k-root', name: 'Root' } });
    const ownRecord = await read(own.id);
    expect([ownRecord?.runBy, ownRecord?.submittedBy]).toEqual([{ id: 'k-root', name: 'Root' }, undefined]);
  });

  it('writes a limited root in flight holding its key’s slot, and leaves the next one of the key waiting for it', async () => {
    now = Date.now();
    const first = (await stack().engine.submit({ type: 'LIMITED', tenant: 'acme', data: { customer: 'solo' } })).job;
    const second = (await stack().engine.submit({ type: 'LIMITED', tenant: 'acme', data: { customer: 'solo' } })).job;

    expect(await read(first.id)).toMatchObject({
      concurrencyKey: 'solo',
      concurrencySlot: expect.any(String),
      dispatchedAt: now,
      gsi5pk: inFlightPartition(first.id),
    });
    // The second waits for the key (concurrency-gate.ts): not in flight, holding no slot.
    expect(await read(second.id)).toMatchObject({ concurrencyKey: 'solo', status: 'PENDING' });
    expect((await read(second.id))?.gsi5pk).not.toBe(inFlightPartition(second.id));
    expect((await read(second.id))?.concurrencySlot).toBeUndefined();
    expect((await read(second.id))?.dispatchedAt).toBeUndefined();
    expect([sentFor(first.id), sentFor(second.id)]).toEqual([1, 0]);
  });

  it('writes a low-priority root into its ready set, its lane touched, and sends it through the pump', async () => {
    now = Date.now();
    const { job } = await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', lowPriority: true });

    expect(await read(job.id)).toMatchObject({ lowPriority: true, status: 'PENDING' });
    expect(await deps().jobs.getItem(rootLaneKey(job.id, 'low'))).toBeDefined();
    expect(sentFor(job.id)).toBe(1);
  });

  it('holds a root asked to start later in the delayed set and sends nothing; one asked for a past time starts at once', async () => {
    now = Date.now();
    const later = (await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', runAt: now + 60_000 })).job;
    const past = (await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', runAt: now - 1 })).job;
    const exactlyNow = (await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', runAt: now })).job;

    expect(await read(later.id)).toMatchObject({ runAt: now + 60_000, gsi5pk: delayedPartition(later.id), gsi5sk: delayedSortKey(now + 60_000, later.id) });
    expect((await read(later.id))?.dispatchedAt).toBeUndefined();
    expect(await deps().jobs.getItem(rootLaneKey(later.id, 'normal'))).toBeUndefined();
    for (const started of [past, exactlyNow]) expect(await read(started.id)).toMatchObject({ dispatchedAt: now, gsi5pk: inFlightPartition(started.id) });
    expect((await read(past.id))?.runAt).toBeUndefined();
    expect([sentFor(later.id), sentFor(past.id), sentFor(exactlyNow.id)]).toEqual([0, 1, 1]);
  });

  it('writes a child under its parent’s root, taking its low priority and its run, never a schedule', async () => {
    now = Date.now();
    const { job: parent } = await stack().engine.submit({ type: 'PARENT', tenant: 'acme', lowPriority: true });
    await deps().jobs.tryUpdate(parent.id, { set: { run: 3 } });
    // A crash point is not needed: the child is read before anything finishes its adoption.
    const hold = vi.spyOn(deps().jobs, 'create');
    const { job: child } = await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', parentId: parent.id, scheduleId: 'nightly', runAt: now + 60_000 });
    const written = hold.mock.calls.map(([record]) => record).find((record) => record.id === child.id);
    hold.mockRestore();

    expect(written).toMatchObject({
      parentId: parent.id,
      rootId: parent.id,
      lowPriority: true,
      parentRun: 3,
      runAt: now + 60_000,
      adopting: true,
      gsi5pk: adoptingPartition(child.id),
      gsi5sk: child.id,
    });
    expect(written?.scheduleId).toBeUndefined();
    const explicit = (await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', parentId: parent.id, lowPriority: false })).job;
    expect((await read(explicit.id))?.lowPriority).toBe(false);
  });

  it('keeps an idempotency key for 7 days, and answers a repeat with the job it made', async () => {
    now = Date.now();
    const { job, created } = await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', idempotencyKey: 'once-a-week' });
    expect(created).toBe(true);

    expect(await deps().jobs.getItem(idempotencyKey('acme', 'once-a-week'))).toMatchObject({ jobId: job.id, expiresAt: Math.floor(now / 1000) + 7 * 86_400 });
    const again = await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', idempotencyKey: 'once-a-week' });
    expect(again).toMatchObject({ created: false, job: { id: job.id } });
  });
  it('finishes a submission that died between claiming its key and writing its job, under the id it claimed', async () => {
    now = Date.now();
    let claimedFor: { jobId: string | undefined; jobType: string | undefined } | undefined;
    setCrashPointHook((point, detail) => {
      if (point !== 'submit.keyClaimed') return;
      claimedFor = { jobId: detail.jobId, jobType: detail.jobType };
      throw new Error('died at submit.keyClaimed');
    });
    await expect(stack().engine.submit({ type: 'PLAIN', tenant: 'acme', idempotencyKey: 'claimed-only' })).rejects.toThrow('died at submit.keyClaimed');
    setCrashPointHook(undefined);
    const claimed = (await deps().jobs.getItem(idempotencyKey('acme', 'claimed-only')))?.jobId as string;
    expect(claimedFor).toEqual({ jobId: claimed, jobType: 'PLAIN' });
    expect(await read(claimed)).toBeUndefined();

    const { job, created } = await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', idempotencyKey: 'claimed-only' });

    expect([job.id, created]).toEqual([claimed, true]);
    expect(await read(claimed)).toMatchObject({ status: 'PENDING', dispatchedAt: now });
    expect(sentFor(claimed)).toBe(1);
  });

  it('answers the submission that lost the write of a job a repeat finished meanwhile with that job', async () => {
    now = Date.now();
    const input = { type: 'PAIRED', tenant: 'acme', data: { customer: 'raced' }, idempotencyKey: 'raced' };
    let repeat: Promise<{ created: boolean; job: { id: string } }> | undefined;
    // The first submission has claimed the key; a repeat claims it too, finds no job yet and writes it under the same id.
    setCrashPointHook(async (point) => {
      if (point !== 'submit.keyClaimed' || repeat) return;
      repeat = stack().engine.submit(input);
      await repeat;
    });
    const first = await stack().engine.submit(input);
    setCrashPointHook(undefined);
    const second = await repeat!;

    expect([second.created, first.created, first.job.id]).toEqual([true, false, second.job.id]);
    expect(sentFor(second.job.id)).toBe(1);
    expect(await read(second.job.id)).toMatchObject({ dispatchedAt: now, concurrencySlot: expect.any(String) });
  });

  it('marks the lane it touched for a low-priority root with a crash point naming the job, before writing it', async () => {
    now = Date.now();
    const hits: Array<{ jobId: string | undefined; jobType: string | undefined; written: boolean }> = [];
    setCrashPointHook(async (point, detail) => {
      if (point === 'submit.laneTouched') hits.push({ jobId: detail.jobId, jobType: detail.jobType, written: (await read(detail.jobId ?? '')) !== undefined });
    });
    const { job } = await stack().engine.submit({ type: 'PLAIN', tenant: 'acme', lowPriority: true });

    expect(hits).toEqual([{ jobId: job.id, jobType: 'PLAIN', written: false }]);
  });
});
