import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import { claimSpec } from '@stint/core/engine/dispatch-specs';
import { concurrencyKeyItem } from '@stint/core/store/table-keys';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { engineInternals } from '@stint/core/testing';
import { attachTestStack, createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { jobItem } from '../support/job-items.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * A concurrency key's slots, step by step (concurrency-gate.ts): the engine's clock is the
 * test's and slices run by hand, so each take, block, release, stale-token judgement and
 * sweep is seen as it is written. Every case uses keys of its own.
 */
const ONE = defineJob<{ k: string }>({ type: 'ONE', concurrency: { limit: 1, key: (data) => data.k }, run: async () => ({}) });
/** ONE as a deployment that dropped its limit knows it. */
const ONE_UNLIMITED = defineJob<{ k: string }>({ type: 'ONE', run: async () => ({}) });
/** No limit at all. */
const FREE = defineJob({ type: 'FREE', run: async () => ({}) });
const TWO = defineJob<{ k: string }>({ type: 'TWO', concurrency: { limit: 2, key: (data) => data.k }, run: async () => ({}) });

const GRACE_MS = 1_000;
/** A slot's token: the job id, then the time it was taken, padded to 13 digits. */
const token = (id: string, at: number) => `${id}#${String(at).padStart(13, '0')}`;

describe.each(DYNAMO_BACKENDS)('a concurrency key’s slots on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.now();
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [ONE, TWO, FREE], clock: () => now, settleGraceMs: GRACE_MS });
  });
  afterAll(async () => {
    await emulators?.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    setCrashPointHook(undefined);
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;
  const stored = async (id: string) => (await jobs().get(id))!;
  const keyItem = (type: string, key: string) => jobs().getItem(concurrencyKeyItem('acme', type, key));
  const holders = async (type: string, key: string) => [...(((await keyItem(type, key))?.holders as Set<string> | undefined) ?? [])].sort();
  const submit = async (type: string, k: string) => (await stack.engine.submit({ type, tenant: 'acme', data: { k } })).job;
  const slice = async (job: { id: string; rootId: string }) =>
    (await stack.engine.processBatch([{ body: encodeWorkMessage({ jobId: job.id, rootId: job.rootId, tenant: 'acme' }) }])).outcomes;
  /** Puts tokens in a key's holders, as a take would. */
  const hold = (type: string, key: string, tokens: string[]) =>
    jobs().tryUpdateItem(concurrencyKeyItem('acme', type, key), { add: { holders: new Set(tokens) } });

  it('blocks a job whose key is full, oldest first, marked for the sweeper, and a release wakes as many as there is room for', async () => {
    now = Date.now();
    const k = uniqueName('k');
    const t0 = now;
    const a = await submit('TWO', k);
    const b = await submit('TWO', k);
    expect(await stored(a.id)).toMatchObject({ concurrencySlot: token(a.id, t0), concurrencyKey: k });
    expect(await holders('TWO', k)).toEqual([token(a.id, t0), token(b.id, t0)].sort());
    expect((await keyItem('TWO', k))?.expiresAt).toBe(Math.floor(t0 / 1000) + 30 * 86_400);

    now = t0 + 10;
    const c = await submit('TWO', k);
    now = t0 + 20;
    const d = await submit('TWO', k);
    expect(await stored(c.id)).toMatchObject({
      gsi5pk: `B#acme#TWO#${k}`,
      gsi5sk: `${String(t0 + 10).padStart(13, '0')}#${c.id}`,
      concurrencyWait: { key: k, limit: 2, since: t0 + 10 },
    });
    expect((await stored(c.id)).concurrencySlot).toBeUndefined();
    expect((await stack.engine.get(d.id, { tenant: 'acme' })).waitingForConcurrency).toEqual({ key: k, limit: 2 });
    expect(await keyItem('TWO', k)).toMatchObject({ gsi5pk: expect.stringMatching(/^G#\d+$/), gsi5sk: `acme#TWO#${k}`, touchedAt: t0 + 20, waitVersion: 2 });
    expect(await holders('TWO', k)).toEqual([token(a.id, t0), token(b.id, t0)].sort());

    // a ends: one slot free, the oldest blocked job takes it, the other keeps waiting.
    now = t0 + 30;
    expect(await slice(a)).toEqual(['finished']);
    expect(await stored(c.id)).toMatchObject({ concurrencySlot: token(c.id, t0 + 30) });
    expect((await stored(c.id)).gsi5pk?.[0]).toBe('I');
    expect((await stored(c.id)).concurrencyWait).toBeUndefined();
    expect((await stored(d.id)).gsi5pk).toBe(`B#acme#TWO#${k}`);
    expect(await holders('TWO', k)).toEqual([token(b.id, t0), token(c.id, t0 + 30)].sort());

    now = t0 + 40;
    expect(await slice(b)).toEqual(['finished']);
    expect((await stored(d.id)).concurrencySlot).toBe(token(d.id, t0 + 40));
    expect(await slice(c)).toEqual(['finished']);
    expect(await slice(d)).toEqual(['finished']);
    expect(await holders('TWO', k)).toEqual([]);

    // The sweeper unmarks the key once its blocked set is empty and its last mark has settled.
    now = t0 + 20 + GRACE_MS;
    expect((await stack.engine.sweep()).concurrencyWoken).toBe(0);
    expect((await keyItem('TWO', k))?.gsi5pk).toBeDefined();
    now = t0 + 21 + GRACE_MS;
    await stack.engine.sweep();
    expect((await keyItem('TWO', k))?.gsi5pk).toBeUndefined();
    expect((await keyItem('TWO', k))?.gsi5sk).toBeUndefined();
  });

  it('drops a token once it is older than the grace and its job does not hold it in flight', async () => {
    now = Date.now();
    const t0 = now;
    const k = uniqueName('k');
    // A token of a job that is nowhere, taken exactly the grace ago: not judged yet.
    await hold('ONE', k, [token('ghost', t0 - GRACE_MS)]);
    const e = await submit('ONE', k);
    expect((await stored(e.id)).gsi5pk).toBe(`B#acme#ONE#${k}`);
    expect(await holders('ONE', k)).toEqual([token('ghost', t0 - GRACE_MS)]);

    // A millisecond later it is stale: the sweeper drops it and wakes e, which takes the slot.
    now = t0 + 1;
    expect((await stack.engine.sweep()).concurrencyWoken).toBe(1);
    expect(await holders('ONE', k)).toEqual([token(e.id, t0 + 1)]);
    expect((await stored(e.id)).gsi5pk?.[0]).toBe('I');
    expect(await slice(e)).toEqual(['finished']);

    // A take on a full key judges its tokens: the job's own token in flight is kept, an old one of the same job is dropped.
    const k2 = uniqueName('k');
    now = t0;
    const f = await submit('TWO', k2);
    await hold('TWO', k2, [token(f.id, t0 - 5_000)]);
    now = t0 + GRACE_MS + 1;
    const g = await submit('TWO', k2);
    expect((await stored(g.id)).concurrencySlot).toBe(token(g.id, t0 + GRACE_MS + 1));
    expect(await holders('TWO', k2)).toEqual([token(f.id, t0), token(g.id, t0 + GRACE_MS + 1)].sort());
    // Full of tokens held in flight: the next one waits.
    const h = await submit('TWO', k2);
    expect((await stored(h.id)).gsi5pk).toBe(`B#acme#TWO#${k2}`);
  });

  it('runs a job whose token went missing only while its key has room, judging a token only once it is older than the grace', async () => {
    now = Date.now();
    const t0 = now;
    const k = uniqueName('k');
    const j = await submit('ONE', k);
    const lose = () => jobs().tryUpdateItem(concurrencyKeyItem('acme', 'ONE', k), { delete: { holders: new Set([token(j.id, t0)]) } });
    await lose();
    await hold('ONE', k, [token('other', t0)]);
    // Taken exactly the grace ago: not judged, it runs.
    now = t0 + GRACE_MS;
    expect(await slice(j)).toEqual(['finished']);

    // Older: its token is gone and the key full, so it does not run and waits its turn.
    const k2 = uniqueName('k');
    now = t0;
    const m = await submit('ONE', k2);
    await jobs().tryUpdateItem(concurrencyKeyItem('acme', 'ONE', k2), { delete: { holders: new Set([token(m.id, t0)]) } });
    await hold('ONE', k2, [token('other', t0 + GRACE_MS)]);
    now = t0 + GRACE_MS + 1;
    expect(await slice(m)).toEqual(['skipped']);
    expect((await stored(m.id)).startDate).toBeUndefined();

    // Older, its token gone, and the key has room: it takes its slot again and runs.
    const k3 = uniqueName('k');
    now = t0;
    const n = await submit('ONE', k3);
    await jobs().tryUpdateItem(concurrencyKeyItem('acme', 'ONE', k3), { delete: { holders: new Set([token(n.id, t0)]) } });
    now = t0 + GRACE_MS + 1;
    expect(await slice(n)).toEqual(['finished']);
    // Still held (not judged): it runs.
    const k4 = uniqueName('k');
    now = t0;
    const p = await submit('ONE', k4);
    now = t0 + GRACE_MS + 1;
    expect(await slice(p)).toEqual(['finished']);
    expect(await holders('ONE', k4)).toEqual([]);
  });

  it('reports a slot it could not give back, and the slice’s outcome stands', async () => {
    now = Date.now();
    const k = uniqueName('k');
    const j = await submit('ONE', k);
    const gateway = jobs();
    const original = gateway.tryUpdateItem.bind(gateway);
    vi.spyOn(gateway, 'tryUpdateItem').mockImplementation(async (key, spec) => {
      if (key.pk.startsWith('CK#') && spec.delete) throw new Error('table unavailable');
      return original(key, spec);
    });
    expect(await slice(j)).toEqual(['finished']);
    expect(stack.events.some((e) => e.type === 'warning' && e.message === 'concurrency slot not given back; the sweeper will' && e.jobId === j.id)).toBe(true);
    expect(await holders('ONE', k)).toEqual([token(j.id, now)]);
  });

  it('claims only a job still in its ready set, gives back a slot whose claim lost, and claims without a slot a job its type no longer limits', async () => {
    now = Date.now();
    const gate = engineInternals(stack.engine).dispatcher.gate;
    const claim = (id: string, lane: 'normal' | 'low' = 'normal') => gate.claim(id, claimSpec(id, id, lane, now), now);
    const k = uniqueName('k');
    // Not in its ready set (a stale index entry): nothing is taken, and the job is not moved, even on a full key.
    const idle = jobItem({ id: uniqueName('idle'), createDate: now, type: 'ONE', concurrencyKey: k });
    await jobs().put(idle);
    expect(await claim('no-such-job')).toBeNull();
    expect(await claim(idle.id)).toBeNull();
    expect(await keyItem('ONE', k)).toBeUndefined();
    await hold('ONE', k, [token('other', now)]);
    expect(await claim(idle.id)).toBeNull();
    expect((await stored(idle.id)).gsi5pk).toBe(idle.gsi5pk);
    expect((await stored(idle.id)).concurrencyWait).toBeUndefined();

    // Its claim loses (here: it is not in the lane the claim names): the slot taken for it is given back.
    const k2 = uniqueName('k');
    const ready = jobItem({ id: uniqueName('ready'), createDate: now, type: 'ONE', concurrencyKey: k2 }, { readyAt: now });
    await jobs().put(ready);
    expect(await claim(ready.id, 'low')).toBeNull();
    expect(await holders('ONE', k2)).toEqual([]);
    expect((await stored(ready.id)).gsi5pk).toBe(ready.gsi5pk);
    const claimed = await claim(ready.id);
    expect(claimed).toMatchObject({ concurrencySlot: token(ready.id, now) });
    expect(await holders('ONE', k2)).toEqual([token(ready.id, now)]);

    // Submitted before its type had a limit (no key): claimed as any job.
    const keyless = jobItem({ id: uniqueName('keyless'), createDate: now, type: 'ONE' }, { readyAt: now });
    await jobs().put(keyless);
    const plain = await claim(keyless.id);
    expect(plain?.gsi5pk?.[0]).toBe('I');
    expect(plain?.concurrencySlot).toBeUndefined();
    expect(await keyItem('ONE', 'undefined')).toBeUndefined();

    // Its type lost its limit since: claimed as any job, taking no slot.
    const k3 = uniqueName('k');
    const unlimited = attachTestStack(stack.clients, stack.provisioned, stack.config, {
      definitions: [ONE_UNLIMITED],
      clock: () => now,
      settleGraceMs: GRACE_MS,
    });
    const freed = jobItem({ id: uniqueName('freed'), createDate: now, type: 'ONE', concurrencyKey: k3 }, { readyAt: now });
    await jobs().put(freed);
    const taken = await engineInternals(unlimited.engine).dispatcher.gate.claim(freed.id, claimSpec(freed.id, freed.id, 'normal', now), now);
    expect(taken?.gsi5pk?.[0]).toBe('I');
    expect(taken?.concurrencySlot).toBeUndefined();
    expect(await keyItem('ONE', k3)).toBeUndefined();
  });

  it('marks each write of a take, a block and a release at its crash point, for its job', async () => {
    now = Date.now();
    const k = uniqueName('k');
    const seen: string[] = [];
    setCrashPointHook((point, detail) => {
      if (point.startsWith('concurrency.')) seen.push(`${point} ${detail.jobType} ${detail.jobId}`);
    });
    const a = await submit('ONE', k);
    const b = await submit('ONE', k);
    expect(await slice(a)).toEqual(['finished']);
    expect(await slice(b)).toEqual(['finished']);
    expect(seen).toEqual([
      `concurrency.slotTaken ONE ${a.id}`,
      `concurrency.keyMarked ONE ${b.id}`,
      `concurrency.blocked ONE ${b.id}`,
      `concurrency.released ONE ${a.id}`,
      `concurrency.slotTaken ONE ${b.id}`,
      `concurrency.released ONE ${b.id}`,
    ]);
  });

  it('blocks a job woken before at its old place, and releases nothing for a job without a slot', async () => {
    now = Date.now();
    const k = uniqueName('k');
    await hold('ONE', k, [token('other', now)]);
    const since = now - 500;
    const woken = {
      ...jobItem({ id: uniqueName('woken'), createDate: since, type: 'ONE', concurrencyKey: k }, { readyAt: now }),
      concurrencyWait: { key: k, limit: 1, since },
    };
    await jobs().put(woken);
    const gate = engineInternals(stack.engine).dispatcher.gate;
    expect(await gate.claim(woken.id, claimSpec(woken.id, woken.id, 'normal', now), now)).toBeNull();
    expect(await stored(woken.id)).toMatchObject({ gsi5sk: `${String(since).padStart(13, '0')}#${woken.id}`, concurrencyWait: { key: k, limit: 1, since } });

    const free = (await stack.engine.submit({ type: 'FREE', tenant: 'acme' })).job;
    expect(await slice(free)).toEqual(['finished']);
    expect(stack.events.filter((e) => e.type === 'warning' && e.jobId === free.id)).toEqual([]);
  });

  it('runs a job whose type lost its limit though its old token is gone', async () => {
    now = Date.now();
    const t0 = now;
    const k = uniqueName('k');
    const j = await submit('ONE', k);
    await jobs().tryUpdateItem(concurrencyKeyItem('acme', 'ONE', k), { delete: { holders: new Set([token(j.id, t0)]) } });
    await hold('ONE', k, [token('other', t0)]);
    now = t0 + GRACE_MS + 1;
    const unlimited = attachTestStack(stack.clients, stack.provisioned, stack.config, {
      definitions: [ONE_UNLIMITED],
      clock: () => now,
      settleGraceMs: GRACE_MS,
    });
    expect((await unlimited.engine.processBatch([{ body: encodeWorkMessage({ jobId: j.id, rootId: j.rootId, tenant: 'acme' }) }])).outcomes).toEqual([
      'finished',
    ]);

    // Claimed without a slot, it ends giving none back.
    const keyed = jobItem({ id: uniqueName('keyed'), createDate: now, type: 'ONE', concurrencyKey: k }, { readyAt: now });
    await jobs().put(keyed);
    const unlimitedGate = engineInternals(unlimited.engine).dispatcher.gate;
    expect(await unlimitedGate.claim(keyed.id, claimSpec(keyed.id, keyed.id, 'normal', now), now)).toMatchObject({ id: keyed.id });
    const outcome = await unlimited.engine.processBatch([{ body: encodeWorkMessage({ jobId: keyed.id, rootId: keyed.id, tenant: 'acme' }) }]);
    expect(outcome.outcomes).toEqual(['finished']);
    expect(unlimited.events.filter((e) => e.type === 'warning')).toEqual([]);
  });
});
