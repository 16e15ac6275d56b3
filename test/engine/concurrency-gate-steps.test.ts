import { describe, expect, it, vi } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import { ConcurrencyGate, markWaitingSpec, type ReadySetter } from '@stint/core/engine/concurrency-gate';
import { claimSpec, inFlightSpec, readySpec } from '@stint/core/engine/dispatch-specs';
import { merge } from '@stint/core/engine/transitions';
import type { JobRecord } from '@stint/core/job-record';
import { blockedPartition, blockedSortKey, concurrencyKeyItem, readyPartition } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { engineStack } from '../support/engine-stack.ts';
import { jobItem } from '../support/job-items.ts';
import { attachTestStack, uniqueName } from '../support/stack.ts';

/**
 * The concurrency gate's steps called one at a time on jobs and key items the test places
 * (concurrency-gate.ts), on the test's clock. A woken job only moves to its ready set (the
 * dispatcher's wake would also claim and send it), so what each wake did stays where the test
 * reads it. Every case uses keys of its own.
 */
const ONE = defineJob<{ k: string }>({ type: 'ONE', concurrency: { limit: 1, key: (data) => data.k }, run: async () => ({}) });
const TWO = defineJob<{ k: string }>({ type: 'TWO', concurrency: { limit: 2, key: (data) => data.k }, run: async () => ({}) });
/** ONE as a deployment that dropped its limit knows it. */
const ONE_UNLIMITED = defineJob<{ k: string }>({ type: 'ONE', run: async () => ({}) });

const GRACE_MS = 1_000;
/** A slot's token: the job id, then the time it was taken, padded to 13 digits. */
const token = (id: string, at: number) => `${id}#${String(at).padStart(13, '0')}`;

describe.each(DYNAMO_BACKENDS)('the concurrency gate’s steps on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, read } = engineStack(backend, { definitions: [ONE, TWO], clock: () => now, settleGraceMs: GRACE_MS });
  const jobs = () => deps().jobs;
  const keyItem = (type: string, k: string) => jobs().getItem(concurrencyKeyItem('acme', type, k));
  const holders = async (type: string, k: string) => [...(((await keyItem(type, k))?.holders as Set<string> | undefined) ?? [])].sort();
  const hold = (type: string, k: string, tokens: string[]) => jobs().tryUpdateItem(concurrencyKeyItem('acme', type, k), { add: { holders: new Set(tokens) } });
  const mark = (type: string, k: string, at: number) =>
    jobs().tryUpdateItem(concurrencyKeyItem('acme', type, k), markWaitingSpec({ tenant: 'acme', type, key: k }, at, Math.floor(at / 1000) + 86_400));

  /** A job waiting in its key's blocked set since `since`, as a block leaves it. */
  const placeBlocked = async (type: string, k: string, since: number, limit: number): Promise<JobRecord> => {
    const id = uniqueName('blocked');
    const record = {
      ...jobItem({ id, createDate: since, type, concurrencyKey: k }),
      gsi5pk: blockedPartition('acme', type, k),
      gsi5sk: blockedSortKey(since, id),
      concurrencyWait: { key: k, limit, since },
    };
    await jobs().put(record);
    return record;
  };

  /** A job in flight with the slot it took at `at`. */
  const placeHolder = async (type: string, k: string, at: number): Promise<JobRecord> => {
    const id = uniqueName('holder');
    const record = { ...jobItem({ id, createDate: at, type, concurrencyKey: k }), ...inFlightSpec({ id, rootId: id }, at).set, concurrencySlot: token(id, at) };
    await jobs().put(record);
    await hold(type, k, [token(id, at)]);
    return record as JobRecord;
  };

  /**
   * A gate whose wake only moves a job to its ready set, recording whom it moved;
   * `beforeWake` runs first, as another writer between the gate's read and its write would.
   */
  const stepGate = (options: { deployment?: ReturnType<typeof deps>; beforeWake?: (record: JobRecord) => Promise<void> } = {}) => {
    const woken: string[] = [];
    const setter: ReadySetter = {
      async makeReady(record, guard) {
        await options.beforeWake?.(record);
        const ready = await jobs().tryUpdate(record.id, merge(readySpec(record, now), guard));
        if (ready) woken.push(record.id);
        return ready;
      },
    };
    return { gate: new ConcurrencyGate(options.deployment ?? deps(), setter), woken };
  };

  /** The same table as a deployment whose ONE has no limit, or is not registered at all. */
  const deployment = (definitions: Array<typeof ONE_UNLIMITED>) =>
    engineInternals(attachTestStack(stack().clients, stack().provisioned, stack().config, { definitions, clock: () => now, settleGraceMs: GRACE_MS }).engine)
      .deps;

  it('wakes the oldest blocked jobs, as many as the key has free slots, and counts only those it made ready', async () => {
    now = Date.now();
    const t0 = now;
    const k = uniqueName('k');
    // Anything a sweep finds of earlier cases is woken now, so the counts below are this key's.
    await stepGate().gate.sweep(now);
    await mark('TWO', k, t0 - 2 * GRACE_MS);
    await hold('TWO', k, [token('ghost', t0 - 2 * GRACE_MS)]);
    const first = await placeBlocked('TWO', k, t0 - 30, 2);
    const second = await placeBlocked('TWO', k, t0 - 20, 2);
    const third = await placeBlocked('TWO', k, t0 - 10, 2);

    // The stale token goes: two slots free, the two oldest are woken.
    const { gate, woken } = stepGate();
    expect(await gate.sweep(now)).toBe(2);
    expect(woken.sort()).toEqual([first.id, second.id].sort());
    expect((await read(third.id)).gsi5pk).toBe(blockedPartition('acme', 'TWO', k));
    expect((await keyItem('TWO', k))?.gsi5pk).toBeDefined();

    // Full: nobody is woken and the key stays marked, however long its last mark settled.
    await hold('TWO', k, [token(first.id, now), token(second.id, now)]);
    await jobs().put({ ...(await read(first.id)), ...inFlightSpec(first, now).set, concurrencySlot: token(first.id, now) });
    await jobs().put({ ...(await read(second.id)), ...inFlightSpec(second, now).set, concurrencySlot: token(second.id, now) });
    now = t0 + 10 * GRACE_MS;
    const full = stepGate();
    expect(await full.gate.sweep(now)).toBe(0);
    expect(full.woken).toEqual([]);
    expect((await keyItem('TWO', k))?.gsi5pk).toBeDefined();
    expect((await read(third.id)).gsi5pk).toBe(blockedPartition('acme', 'TWO', k));

    // A job that left the blocked set before its wake's write (here: canceled) is not made ready, nor counted.
    await jobs().tryUpdateItem(concurrencyKeyItem('acme', 'TWO', k), { delete: { holders: new Set([token(first.id, t0)]) } });
    const fourth = await placeBlocked('TWO', k, t0 - 5, 2);
    const raced = stepGate({
      beforeWake: async (record) => {
        if (record.id === third.id) await jobs().tryUpdate(record.id, { remove: ['gsi5pk', 'gsi5sk'] });
      },
    });
    expect(await raced.gate.sweep(now)).toBe(0);
    expect((await read(third.id)).gsi5pk).toBeUndefined();
    expect((await read(fourth.id)).gsi5pk).toBe(blockedPartition('acme', 'TWO', k));
  });

  it('wakes every blocked job of a key whose type has no limit any more, or is not deployed', async () => {
    now = Date.now();
    for (const definitions of [[ONE_UNLIMITED], []]) {
      const k = uniqueName('k');
      await mark('ONE', k, now);
      const holder = await placeHolder('ONE', k, now);
      await hold('ONE', k, [token('other', now)]);
      const a = await placeBlocked('ONE', k, now - 20, 1);
      const b = await placeBlocked('ONE', k, now - 10, 1);
      // With ONE's limit of 1 the key stays full after the release.
      const limited = stepGate();
      await limited.gate.giveBack(holder, k, holder.concurrencySlot!);
      expect(limited.woken).toEqual([]);

      const released = stepGate({ deployment: deployment(definitions) });
      await released.gate.giveBack(holder, k, holder.concurrencySlot!);
      expect(released.woken.sort()).toEqual([a.id, b.id].sort());

      const c = await placeBlocked('ONE', k, now - 5, 1);
      const swept = stepGate({ deployment: deployment(definitions) });
      await swept.gate.sweep(now);
      expect(swept.woken).toContain(c.id);
      expect((await read(c.id)).gsi5pk).toBe(readyPartition('normal', c.id));
    }
  });

  it('claims a job on a key full only of stale tokens and its held ones, taking the slot a stale token left', async () => {
    now = Date.now();
    const k = uniqueName('k');
    const holder = await placeHolder('TWO', k, now - 2 * GRACE_MS);
    await hold('TWO', k, [token('ghost', now - 2 * GRACE_MS)]);
    const job = jobItem({ id: uniqueName('job'), createDate: now, type: 'TWO', concurrencyKey: k }, { readyAt: now });
    await jobs().put(job);
    const { gate } = stepGate();
    expect(await gate.claim(job.id, claimSpec(job.id, job.id, 'normal', now), now)).toMatchObject({ concurrencySlot: token(job.id, now) });
    expect(await holders('TWO', k)).toEqual([holder.concurrencySlot, token(job.id, now)].sort());
  });

  it('blocks a job whose key is still full once its stale tokens are dropped (its limit was lowered)', async () => {
    now = Date.now();
    const k = uniqueName('k');
    await placeHolder('TWO', k, now);
    await placeHolder('TWO', k, now);
    await hold('TWO', k, [token('ghost', now - 2 * GRACE_MS)]);
    const job = jobItem({ id: uniqueName('job'), createDate: now, type: 'TWO', concurrencyKey: k }, { readyAt: now });
    await jobs().put(job);
    const { gate } = stepGate();
    expect(await gate.claim(job.id, claimSpec(job.id, job.id, 'normal', now), now)).toBeNull();
    expect((await read(job.id)).gsi5pk).toBe(blockedPartition('acme', 'TWO', k));
    expect(await holders('TWO', k)).toHaveLength(2);
  });

  it('leaves a key item that is gone alone when it gives back a slot, drops stale tokens or sweeps', async () => {
    now = Date.now();
    const k = uniqueName('k');
    const { gate } = stepGate();
    await gate.giveBack({ id: 'gone', tenant: 'acme', type: 'ONE' }, k, token('gone', now));
    expect(await keyItem('ONE', k)).toBeUndefined();

    // Anything a sweep finds of earlier cases is woken now, so the count below is these keys'.
    await gate.sweep(now);
    // One key item expires between the sweep's read of its tokens and their drop, another
    // between the sweep's read of the marked keys and its visit.
    const [dropped, visited] = [uniqueName('k'), uniqueName('k')];
    for (const key of [dropped, visited]) {
      await mark('ONE', key, now - 2 * GRACE_MS);
      await hold('ONE', key, [token(`ghost-${key}`, now - 2 * GRACE_MS)]);
    }
    const gateway = jobs();
    const getMany = gateway.getMany.bind(gateway);
    const getItems = gateway.getItems.bind(gateway);
    vi.spyOn(gateway, 'getMany').mockImplementation(async (ids, consistent) => {
      if (ids.includes(`ghost-${dropped}`)) await gateway.delete(concurrencyKeyItem('acme', 'ONE', dropped));
      return getMany(ids, consistent);
    });
    vi.spyOn(gateway, 'getItems').mockImplementation(async (keys, consistent) => {
      const items = await getItems(keys, consistent);
      if (items.some((item) => item.key === visited)) await gateway.delete(concurrencyKeyItem('acme', 'ONE', visited));
      return items;
    });
    try {
      expect(await gate.sweep(now)).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
    expect(await keyItem('ONE', dropped)).toBeUndefined();
    expect(await keyItem('ONE', visited)).toBeUndefined();
  });

  it('does not block a job another pump claimed meanwhile, and wakes it when a slot was given back meanwhile', async () => {
    now = Date.now();
    const k = uniqueName('k');
    await placeHolder('ONE', k, now);
    const job = jobItem({ id: uniqueName('job'), createDate: now, type: 'ONE', concurrencyKey: k }, { readyAt: now });
    await jobs().put(job);
    const seen: string[] = [];
    setCrashPointHook(async (point, detail) => {
      if (!point.startsWith('concurrency.')) return;
      seen.push(point);
      if (point === 'concurrency.keyMarked' && detail.jobId === job.id) await jobs().tryUpdate(job.id, claimSpec(job.id, job.id, 'normal', now));
    });
    const { gate, woken } = stepGate();
    expect(await gate.claim(job.id, claimSpec(job.id, job.id, 'normal', now), now)).toBeNull();
    expect(seen).toEqual(['concurrency.keyMarked']);
    expect(await read(job.id)).toMatchObject({ gsi5pk: claimSpec(job.id, job.id, 'normal', now).set!.gsi5pk });
    expect((await read(job.id)).concurrencyWait).toBeUndefined();
    expect(woken).toEqual([]);

    // Its key's only holder ends between the take that found it full and the block.
    const k2 = uniqueName('k');
    const holder = await placeHolder('ONE', k2, now);
    const late = jobItem({ id: uniqueName('late'), createDate: now, type: 'ONE', concurrencyKey: k2 }, { readyAt: now });
    await jobs().put(late);
    setCrashPointHook(async (point) => {
      if (point === 'concurrency.keyMarked')
        await jobs().tryUpdateItem(concurrencyKeyItem('acme', 'ONE', k2), { delete: { holders: new Set([holder.concurrencySlot!]) } });
    });
    const second = stepGate();
    expect(await second.gate.claim(late.id, claimSpec(late.id, late.id, 'normal', now), now)).toBeNull();
    expect(second.woken).toEqual([late.id]);
    expect((await read(late.id)).gsi5pk).toBe(readyPartition('normal', late.id));
  });

  it('confirms a job’s slot by taking it again when its key item is gone, and a limited job without one at once', async () => {
    now = Date.now();
    const t0 = now;
    const k = uniqueName('k');
    const { gate } = stepGate();
    const id = uniqueName('lost');
    const lost = { ...jobItem({ id, createDate: t0, type: 'ONE', concurrencyKey: k }), concurrencySlot: token(id, t0) };
    now = t0 + GRACE_MS + 1;
    expect(await gate.confirm(lost, now)).toBe(true);
    expect(await holders('ONE', k)).toEqual([token(id, t0)]);

    const slotless = jobItem({ id: uniqueName('slotless'), createDate: t0, type: 'ONE', concurrencyKey: k });
    expect(await gate.confirm(slotless, now)).toBe(true);
  });
});
