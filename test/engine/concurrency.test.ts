import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { childIds } from '@stint/core/engine/job-tree';
import { concurrencyKeyItem, typePartition } from '@stint/core/store/table-keys';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The jobs' own instrumentation, in this process: how many jobs of each (tenant, key) are
 * inside their work right now, the most ever seen at once, and when each job's work began
 * and ended. Counted inside a step, which runs once per job.
 */
const running = new Map<string, number>();
const peak = new Map<string, number>();
const began = new Map<string, number>();
const ended = new Map<string, number>();

function enter(names: string[], id: string) {
  for (const name of names) {
    const now = (running.get(name) ?? 0) + 1;
    running.set(name, now);
    peak.set(name, Math.max(peak.get(name) ?? 0, now));
  }
  began.set(id, Date.now());
}

function leave(names: string[], id: string) {
  for (const name of names) running.set(name, running.get(name)! - 1);
  ended.set(id, Date.now());
}

interface LimitedData {
  customer: string;
  ms?: number;
  /** Hold the slot until this many jobs of the customer, of any tenant, have been inside at once (or `ms` has passed). */
  together?: number;
}

/**
 * At most 2 per customer at once; each holds its slot for `ms` (300 by default). Counted per
 * tenant (as `<tenant>/<customer>`) and across tenants (with `*` for the tenant).
 */
const LIMITED = defineJob<LimitedData>({
  type: 'LIMITED',
  concurrency: { limit: 2, key: (data) => data.customer },
  async run(ctx) {
    const { customer, ms = 300, together } = ctx.data;
    const names = [`${ctx.job.tenant}/${customer}`, `*/${customer}`];
    await ctx.step('work', async () => {
      enter(names, ctx.job.id);
      const until = Date.now() + ms;
      if (together === undefined) await pause(ms);
      else while ((peak.get(names[1]!) ?? 0) < together && Date.now() < until) await pause(20);
      leave(names, ctx.job.id);
    });
  },
});

/** Another type, with no limit: its work must go on while LIMITED jobs wait. */
const PLAIN = defineJob({
  type: 'PLAIN',
  async run(ctx) {
    for (let i = 0; i < 3; i++) await ctx.step(`s${i}`, () => pause(30));
    ended.set(ctx.job.id, Date.now());
  },
});

/** One root whose children are LIMITED (all for one customer) and PLAIN, the limited ones spawned first. */
const MIXED_PARENT = defineJob<{ customer: string; ms: number; limited: number; plain: number }>({
  type: 'MIXED_PARENT',
  async run(ctx) {
    for (let i = 0; i < ctx.data.limited; i++) await ctx.spawn('LIMITED', { customer: ctx.data.customer, ms: ctx.data.ms });
    for (let i = 0; i < ctx.data.plain; i++) await ctx.spawn('PLAIN', { i });
    await ctx.waitForChildren();
  },
});

/** One at a time per customer, with a sleep between two steps. */
const NAPPING = defineJob<LimitedData>({
  type: 'NAPPING',
  concurrency: { limit: 1, key: (data) => data.customer },
  async run(ctx) {
    await ctx.step('before', () => began.set(ctx.job.id, Date.now()));
    await ctx.sleep('nap', ctx.data.ms ?? 1_500);
    await ctx.step('after', () => ended.set(ctx.job.id, Date.now()));
  },
});

const SCOPE = { allTenants: true } as const;

describe.each(DYNAMO_BACKENDS)('per-key concurrency limits on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    // Enough workers that the limit, not the pool, is what holds LIMITED jobs back.
    stack = await createTestStack(emulators, { definitions: [LIMITED, PLAIN, MIXED_PARENT, NAPPING], concurrency: 10, settleGraceMs: 500 });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const job = (id: string) => stack.engine.get(id, SCOPE);
  const allFinished = async (ids: string[]) => {
    for (const id of ids) if ((await job(id)).status !== 'FINISHED') return false;
    return true;
  };
  const holders = async (tenant: string, customer: string) =>
    (await engineInternals(stack.engine).deps.jobs.getItem(concurrencyKeyItem(tenant, 'LIMITED', customer)))?.holders as Set<string> | undefined;

  it('runs at most 2 jobs per key at once (3 keys × 10 roots), shows why the others wait, and lets another root progress meanwhile', async () => {
    const customers = ['c0', 'c1', 'c2'];
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (const customer of customers) ids.push((await stack.engine.submit({ type: 'LIMITED', tenant: 'acme', data: { customer } })).job.id);
    }
    const { job: plain } = await stack.engine.submit({ type: 'PLAIN', tenant: 'acme' });
    const waits = new Set<string>();
    await stack.runUntil(async () => {
      for (const id of ids) {
        const wait = (await job(id)).waitingForConcurrency;
        if (wait) waits.add(JSON.stringify(wait));
      }
      return (await allFinished([...ids, plain.id])) && (await job(plain.id)).status === 'FINISHED';
    }, 90_000);

    expect(Object.fromEntries(customers.map((c) => [c, peak.get(`acme/${c}`)]))).toEqual({ c0: 2, c1: 2, c2: 2 });
    expect([...waits].sort()).toEqual(['{"key":"c0","limit":2}', '{"key":"c1","limit":2}', '{"key":"c2","limit":2}']);
    // The other type's root ended before the last limited job could even start.
    expect(ended.get(plain.id)!).toBeLessThan(Math.max(...ids.map((id) => began.get(id)!)));
    for (const id of ids) expect((await job(id)).waitingForConcurrency).toBeNull();
    for (const customer of customers) expect(await holders('acme', customer)).toBeUndefined();
  });

  it('lets a root’s unlimited children pass its limited ones whose key is full', async () => {
    const { job: root } = await stack.engine.submit({ type: 'MIXED_PARENT', tenant: 'acme', data: { customer: 'tree', ms: 800, limited: 6, plain: 3 } });
    await stack.runUntil(async () => (await job(root.id)).status === 'FINISHED', 60_000);
    expect(peak.get('acme/tree')).toBe(2);
    const { deps } = engineInternals(stack.engine);
    const children = [...(await deps.jobs.getMany(await childIds(deps, root.id))).values()];
    const limited = children.filter((child) => child.type === 'LIMITED').map((child) => child.id);
    const plain = children.filter((child) => child.type === 'PLAIN').map((child) => child.id);
    expect([limited.length, plain.length]).toEqual([6, 3]);
    // 6 jobs of 800 ms, 2 at a time: the last starts some 1.6 s after the first.
    const lastLimitedStart = Math.max(...limited.map((id) => began.get(id)!));
    for (const id of plain) expect(ended.get(id)!).toBeLessThan(lastLimitedStart);
  });

  it('keeps a key to its tenant: the same key in two tenants runs 2 in each at once', async () => {
    const ids: string[] = [];
    const customer = `shared-${backend}`;
    // Each job holds its slot until 4 of the key have been inside at once, or 8 s: only a
    // limit kept per tenant lets 4 in, and the wait makes them overlap however loaded the machine.
    for (const tenant of ['acme', 'beta']) {
      for (let i = 0; i < 3; i++) ids.push((await stack.engine.submit({ type: 'LIMITED', tenant, data: { customer, ms: 8_000, together: 4 } })).job.id);
    }
    await stack.runUntil(() => allFinished(ids), 60_000);
    expect([peak.get(`acme/${customer}`), peak.get(`beta/${customer}`), peak.get(`*/${customer}`)]).toEqual([2, 2, 4]);
  });

  it('stops and cancels a job waiting for its key, and a resumed one runs once there is room', async () => {
    const long = { customer: 'ops', ms: 1_500 };
    const first: string[] = [];
    for (let i = 0; i < 2; i++) first.push((await stack.engine.submit({ type: 'LIMITED', tenant: 'acme', data: long })).job.id);
    const { job: stopped } = await stack.engine.submit({ type: 'LIMITED', tenant: 'acme', data: long });
    const { job: canceled } = await stack.engine.submit({ type: 'LIMITED', tenant: 'acme', data: long });
    await stack.runUntil(async () => (await job(stopped.id)).waitingForConcurrency !== null && (await job(canceled.id)).waitingForConcurrency !== null);
    expect((await job(stopped.id)).waitingForConcurrency).toEqual({ key: 'ops', limit: 2 });

    expect(await stack.engine.apply('stop', stopped.id, SCOPE)).toMatchObject({ status: 'STOPPED', waitingForConcurrency: null });
    expect(await stack.engine.apply('stop', canceled.id, SCOPE)).toMatchObject({ status: 'STOPPED', waitingForConcurrency: null });
    expect(await stack.engine.apply('cancel', canceled.id, SCOPE)).toMatchObject({ status: 'CANCELED', waitingForConcurrency: null });
    await stack.runUntil(() => allFinished(first), 30_000);
    // Neither ran: a stopped or canceled job left its key's blocked set, and no release woke it.
    expect([began.has(stopped.id), began.has(canceled.id)]).toEqual([false, false]);
    expect((await job(stopped.id)).status).toBe('STOPPED');

    await stack.engine.apply('resume', stopped.id, SCOPE);
    await stack.runUntil(() => allFinished([stopped.id]), 30_000);
    expect((await job(canceled.id)).status).toBe('CANCELED');
    expect(await holders('acme', 'ops')).toBeUndefined();
  });

  it('frees a sleeping job’s slot: another job of its key runs to its end while it sleeps', async () => {
    // Long enough that the other job ends first even on a loaded machine (2 s was not, at a load average of 8).
    const { job: sleeper } = await stack.engine.submit({ type: 'NAPPING', tenant: 'acme', data: { customer: 'nap', ms: 6_000 } });
    await stack.runUntil(async () => (await job(sleeper.id)).sleepingUntil !== null);
    const { job: next } = await stack.engine.submit({ type: 'NAPPING', tenant: 'acme', data: { customer: 'nap', ms: 10 } });
    await stack.runUntil(() => allFinished([next.id]), 30_000);
    expect((await job(sleeper.id)).sleepingUntil).not.toBeNull();
    await stack.runUntil(async () => {
      await stack.engine.sweep();
      return allFinished([sleeper.id]);
    }, 30_000);
    expect(ended.get(next.id)!).toBeLessThan(ended.get(sleeper.id)!);
  });

  it('refuses a submission whose data gives no key with a 400 naming data, and writes nothing', async () => {
    await expect(stack.engine.submit({ type: 'LIMITED', tenant: 'gamma', data: { customer: '' } })).rejects.toMatchObject({
      field: 'data',
      message: 'data gives no concurrency key for type LIMITED: its key must be a string of 1 to 512 characters, got ""',
    });
    await expect(stack.engine.submit({ type: 'LIMITED', tenant: 'gamma', data: {} })).rejects.toMatchObject({
      field: 'data',
      message: 'data gives no concurrency key for type LIMITED: its key must be a string of 1 to 512 characters, got undefined',
    });
    const listed = await engineInternals(stack.engine).deps.jobs.queryIndex({
      index: 'gsi3',
      partition: typePartition('gamma', { system: false, child: false }, 'LIMITED'),
    });
    expect(listed.keys).toEqual([]);
  });
});
