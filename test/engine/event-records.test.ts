import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { Checkpoint } from '@stint/core/store/checkpoint-store';
import { eventAnswer, findEvent, registerWaiter, removeWaiter } from '@stint/core/engine/events';
import { eventKey, eventWaiterKey } from '@stint/core/store/table-keys';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { uniqueName } from '../support/stack.ts';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * Outside events as stored (events.ts), with the engine's clock the test's: the event item a
 * send writes (its id, order in the millisecond, retention), what a send refuses, whom it
 * wakes, which event a wait takes (retention, order, taken ones) and a waiter's item.
 */
const NAPPER = defineJob({
  type: 'NAPPER',
  async run(ctx) {
    await ctx.sleep('nap', 60_000);
  },
});
const WAITER = defineJob<{ key: string }>({
  type: 'WAITER',
  run: async (ctx) => ({ got: await ctx.waitForEvent('ping', { key: ctx.data.key, timeoutMs: 60_000 }) }),
});

const DAY_MS = 86_400_000;

describe.each(DYNAMO_BACKENDS)('outside events as stored on %s', (backend) => {
  /** Not a whole second: the retention's rounding shows. */
  let now = 1_900_000_000_250;
  const { stack, deps, ctx } = engineStack(backend, { definitions: [NAPPER, WAITER], clock: () => now });
  const item = (key: { pk: string; sk: string }) => deps().jobs.getItem(key);
  const send = (input: Record<string, unknown>) => stack().engine.sendEvent({ tenant: 'acme', name: 'ping', key: 'k', ...input } as never);
  const slice = async (job: { id: string; rootId: string }) =>
    (await stack().engine.processBatch([{ body: encodeWorkMessage({ jobId: job.id, rootId: job.rootId, tenant: 'acme' }) }])).outcomes;

  it('stores an event with its id, data as JSON, time, order in its millisecond and a day’s retention', async () => {
    now = 1_900_000_000_250;
    const key = uniqueName('k');
    const first = await send({ key, data: { a: 1 } });
    // Its id: the time in base 36, 9 characters, then 16 random hex digits.
    expect(first.id).toMatch(/^0o8uixywq[0-9a-f]{16}$/);
    expect(first.woken).toBe(0);
    expect(await item(eventKey('acme', 'ping', key, first.id))).toMatchObject({
      id: first.id,
      name: 'ping',
      key,
      data: '{"a":1}',
      sentAt: 1_900_000_000_250,
      seq: 0,
      expiresAt: 1_900_086_401,
    });
    const second = await send({ key, id: 'second' });
    const third = await send({ key, id: 'third', data: null });
    expect(await item(eventKey('acme', 'ping', key, second.id))).toMatchObject({ seq: 1, data: 'null' });
    expect(await item(eventKey('acme', 'ping', key, third.id))).toMatchObject({ seq: 2, data: 'null' });
    now += 1;
    const later = await send({ key, id: 'later' });
    expect(await item(eventKey('acme', 'ping', key, later.id))).toMatchObject({ seq: 0, sentAt: 1_900_000_000_251 });
  });

  it('keeps the first delivery of an id: a second one changes nothing', async () => {
    now = 1_900_000_100_000;
    const key = uniqueName('k');
    expect(await send({ key, id: 'once', data: { n: 1 } })).toEqual({ id: 'once', woken: 0 });
    now += 5;
    expect(await send({ key, id: 'once', data: { n: 2 } })).toEqual({ id: 'once', woken: 0 });
    expect(await item(eventKey('acme', 'ping', key, 'once'))).toMatchObject({ data: '{"n":1}', sentAt: 1_900_000_100_000 });
  });

  it('refuses a bad id, data that is no object or too large, and a sender who may not send there, writing nothing', async () => {
    now = 1_900_000_200_000;
    const key = uniqueName('k');
    const idRefusal = { code: 'badRequest', field: 'id', message: 'id must be 1 to 128 letters, digits, dots, colons, dashes or underscores' };
    await expect(send({ key, id: 'two words' })).rejects.toMatchObject(idRefusal);
    await expect(send({ key, id: '' })).rejects.toMatchObject(idRefusal);
    await expect(send({ key, id: 7 })).rejects.toMatchObject(idRefusal);
    for (const data of [5, 'text', true, []]) {
      await expect(send({ key, data })).rejects.toMatchObject({ code: 'badRequest', field: 'data', message: 'data must be an object' });
    }
    await expect(send({ key, data: { big: 'x'.repeat(300_000) } })).rejects.toMatchObject({
      code: 'badRequest',
      field: 'data',
      message: expect.stringMatching(/^data must be at most \d+ bytes as JSON .*; got \d+ bytes$/),
    });
    await expect(send({ key, sender: { kind: 'intake', producer: 'p1', tenants: ['globex'] } })).rejects.toMatchObject({ code: 'forbidden' });
    const viewer = { keyId: 'k1', name: 'v', role: 'viewer', tenant: 'acme' };
    await expect(send({ key, sender: { kind: 'caller', principal: viewer } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await deps().jobs.queryPartitionAll(`E#acme#ping#${key}`, '', { consistent: true })).toEqual([]);
    // Bound to the tenant: sent.
    expect(await send({ key, id: 'bound', sender: { kind: 'intake', producer: 'p1', tenants: ['acme'] } })).toEqual({ id: 'bound', woken: 0 });
  });

  it('wakes only a waiter that is its tenant’s job and still waits for an event', async () => {
    now = Date.now();
    const key = uniqueName('k');
    const { job: sleeper } = await stack().engine.submit({ type: 'NAPPER', tenant: 'acme' });
    expect(await slice(sleeper)).toEqual(['parked']);
    const { job: other } = await stack().engine.submit({ type: 'WAITER', tenant: 'globex', data: { key } });
    expect(await stack().engine.processBatch([{ body: encodeWorkMessage({ jobId: other.id, rootId: other.id, tenant: 'globex' }) }])).toMatchObject({
      outcomes: ['parked'],
    });
    // Waiter items naming a sleeping job and another tenant's waiting job, in acme's partition.
    await registerWaiter(ctx(), 'acme', 'ping', key, sleeper.id, now + 60_000);
    await registerWaiter(ctx(), 'acme', 'ping', key, other.id, now + 60_000);
    await registerWaiter(ctx(), 'acme', 'ping', key, 'no-such-job', now + 60_000);
    const { job: waiting } = await stack().engine.submit({ type: 'WAITER', tenant: 'acme', data: { key } });
    expect(await slice(waiting)).toEqual(['parked']);

    expect((await send({ key, data: { n: 1 } })).woken).toBe(1);
    const jobs = deps().jobs;
    expect((await jobs.get(waiting.id))?.gsi5pk?.[0]).toBe('I');
    expect(await jobs.get(sleeper.id)).toMatchObject({ sleepingUntil: now + 60_000 });
    expect((await jobs.get(sleeper.id))?.gsi5pk?.[0]).toBe('N');
    expect((await jobs.get(other.id))?.gsi5pk?.[0]).toBe('N');
    expect(await slice(waiting)).toEqual(['finished']);
    expect((await stack().engine.get(waiting.id, { tenant: 'acme' })).results).toEqual({ got: { n: 1 } });
    // The wait that took its event removed its waiter item.
    expect(await item(eventWaiterKey('acme', 'ping', key, waiting.id))).toBeUndefined();
  });

  it('writes a waiter with its timeout, kept a day past it, and removes it', async () => {
    const key = uniqueName('k');
    await registerWaiter(ctx(), 'acme', 'ping', key, 'job-1', 1_900_000_300_001);
    expect(await item(eventWaiterKey('acme', 'ping', key, 'job-1'))).toMatchObject({ until: 1_900_000_300_001, expiresAt: 1_900_000_301 + 86_400 });
    await removeWaiter(ctx(), 'acme', 'ping', key, 'job-1');
    expect(await item(eventWaiterKey('acme', 'ping', key, 'job-1'))).toBeUndefined();
  });

  it('lets a wait take an event sent up to a day before it began, oldest first, by time, then order, then id', async () => {
    const key = uniqueName('k');
    const since = 1_900_001_000_000;
    const put = (id: string, sentAt: number, seq?: number) =>
      deps().jobs.put({
        ...eventKey('acme', 'ping', key, id),
        id,
        name: 'ping',
        key,
        data: JSON.stringify({ id }),
        sentAt,
        ...(seq === undefined ? {} : { seq }),
      });
    const first = async (taken: string[] = []) => (await findEvent(ctx(), 'acme', 'ping', key, since, new Set(taken)))?.id;
    await put('too-old', since - DAY_MS - 1);
    expect(await first()).toBeUndefined();
    await put('c-late', since + 10);
    expect(await first()).toBe('c-late');
    await put('b-oldest', since - DAY_MS);
    expect(await first()).toBe('b-oldest');
    expect(await first(['b-oldest'])).toBe('c-late');
    expect(await first(['b-oldest', 'c-late'])).toBeUndefined();
    // In one millisecond: by the order of sending (absent counts as 0), then by id.
    await put('z-seq0', since + 5);
    await put('y-seq2', since + 5, 2);
    await put('x-seq1', since + 5, 1);
    await put('a-seq1', since + 5, 1);
    const order: string[] = [];
    for (let id = await first(['b-oldest']); id !== undefined && id !== 'c-late'; id = await first(['b-oldest', ...order, id])) order.push(id);
    expect(order).toEqual(['z-seq0', 'a-seq1', 'x-seq1', 'y-seq2']);
  });

  it('answers a wait with the first event not taken by an earlier wait, null at its timeout and not before', async () => {
    const key = uniqueName('k');
    const since = 1_900_002_000_000;
    const wait = { name: 'ping', key, since, until: since + 1_000 };
    const checkpoint = (name: string, result: unknown): [string, Checkpoint] => [name, { name, result, spawnSeq: 0 }];
    await deps().jobs.put({ ...eventKey('acme', 'ping', key, 'e1'), id: 'e1', name: 'ping', key, data: '{"n":1}', sentAt: since + 1 });
    now = since + 5_000;
    // Checkpoints of other steps (no event id) take nothing.
    const others = new Map([checkpoint('a', 3), checkpoint('b', undefined), checkpoint('c', { eventId: null, data: null })]);
    expect(await eventAnswer(ctx(), 'acme', wait, others)).toEqual({ data: { n: 1 }, eventId: 'e1' });
    const took = new Map([...others, checkpoint('event:ping:k', { data: { n: 1 }, eventId: 'e1' })]);
    now = since + 999;
    expect(await eventAnswer(ctx(), 'acme', wait, took)).toBeUndefined();
    now = since + 1_000;
    expect(await eventAnswer(ctx(), 'acme', wait, took)).toEqual({ data: null, eventId: null });
    // Another tenant's partition holds nothing of acme's.
    expect(await eventAnswer(ctx(), 'globex', { ...wait, until: since + 10_000 }, new Map())).toBeUndefined();
  });
});
