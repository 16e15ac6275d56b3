import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { readSummary } from '@stint/core/query/stats-reader';
import { childIds } from '@stint/core/engine/job-tree';
import { counterShards, lanePartition, laneShards, LISTINGS, listPartition, rootLaneKey, summaryKey } from '@stint/core/store/table-keys';
import { createApi } from '@stint/functions/api/api';
import { adminMonitor } from '../web/web-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually } from '../support/gate.ts';
import { attachTestStack, createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { partitionsOf, throttleDynamo, valuesOf, type Throttle } from '../support/throttle.ts';
import { engineInternals } from '@stint/core/testing';

/** Step executions per job id: a job whose step ran twice was doubled. */
const ran = new Map<string, number>();
const COUNTED = defineJob({
  type: 'COUNTED',
  async run(ctx) {
    await ctx.step('work', () => ran.set(ctx.job.id, (ran.get(ctx.job.id) ?? 0) + 1));
  },
});
const TREE = defineJob<{ children: number }>({
  type: 'TREE',
  async run(ctx) {
    for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('COUNTED', { i });
    await ctx.waitForChildren();
    await ctx.step('after', () => ran.set(ctx.job.id, (ran.get(ctx.job.id) ?? 0) + 1));
  },
});

const TENANT = 'hot';
const ADMIN_TOKEN = 'throttle-test-admin-token-0123456789abcdef';
/** How long the hot key stays hot once it refuses: longer than the SDK's own retries ride out (about 1.5 s). */
const HOT_MS = 3_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stack whose engine and poller talk to DynamoDB through `throttle`, on a fresh table. */
async function throttledStack(
  emulators: Emulators,
  throttle: (emulators: Emulators) => Throttle,
): Promise<{ stack: TestStack; throttle: Throttle; plain: TestStack }> {
  const options = {
    definitions: [COUNTED, TREE],
    visibilityTimeoutSeconds: 2,
    redispatchAfterMs: 1_000,
    settleGraceMs: 500,
    counterSettleMs: 500,
    tuning: { leaseMs: 2_000 },
  };
  const plain = await createTestStack(emulators, options);
  const injected = throttle(emulators);
  const stack = attachTestStack(injected.clients, plain.provisioned, plain.config, options);
  return { stack, throttle: injected, plain };
}

/** Polls, sweeping as the deployment's sweeper does, until `done`. */
async function settle(stack: TestStack, done: () => Promise<boolean>, timeoutMs = 45_000) {
  let lastSweep = 0;
  await stack.runUntil(async () => {
    if (Date.now() - lastSweep > 500) {
      lastSweep = Date.now();
      await stack.engine.sweep().catch(() => undefined); // a sweep the throttle refused is the next one's work
    }
    return done();
  }, timeoutMs);
}

describe.each(DYNAMO_BACKENDS)('a hot key throttled past the SDK’s retries, on %s', (backend) => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('a tenant’s counter items: every submission is accepted once, every job finishes once, the monitor answers degraded, the cards come right', async () => {
    const { stack, throttle, plain } = await throttledStack(emulators, (em) =>
      throttleDynamo(em, (_, input) => partitionsOf(input).some((pk) => counterShards.some((shard) => pk === summaryKey(TENANT, LISTINGS[0]!, shard).pk))),
    );
    try {
      const api = createApi({ engine: stack.engine, clients: stack.clients, config: stack.config, auth: { adminToken: ADMIN_TOKEN }, rateLimit: false });
      const get = async (path: string) => api.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

      // Submissions flush their counter deltas into the hot item: they must still be accepted.
      const jobs = await Promise.all(Array.from({ length: 20 }, () => stack.engine.submit({ type: 'COUNTED', tenant: TENANT })));
      expect(throttle.refused.UpdateCommand).toBeGreaterThan(0);
      expect(stack.events.some((e) => e.type === 'warning' && e.message.startsWith('counter deltas not written'))).toBe(true);

      // The monitor's counter reads are refused too: it answers with what it could read, marked.
      const summary = await get(`/api/summary?tenant=${TENANT}`);
      expect(summary.status).toBe(200);
      expect(await summary.json()).toMatchObject({ degraded: true });
      const stats = await get(`/api/stats?tenant=${TENANT}`);
      expect(stats.status).toBe(200);
      expect(await stats.json()).toMatchObject({ degraded: true });
      // And the monitor's pages show the figures they have, with a notice saying some are missing.
      const monitor = await adminMonitor(stack, ADMIN_TOKEN);
      for (const page of ['/jobs', '/stats']) {
        const response = await monitor.request(page);
        expect(response.status).toBe(200);
        const html = await response.text();
        expect(html).toMatch(/<p class="notice notice--warning"[^>]*role="status">Some (counts|statistics) could not be read just now/);
        expect(html).not.toMatch(/<p class="notice notice--warning"[^>]*hidden/);
      }

      // The workers start while the key is still hot (their counter flushes are refused too).
      setTimeout(() => throttle.cool(), HOT_MS);
      const ids = jobs.map((r) => r.job.id);
      await settle(stack, async () =>
        (await Promise.all(ids.map((id) => engineInternals(stack.engine).deps.jobs.get(id)))).every((r) => r?.status === 'FINISHED'),
      );
      // Not doubled: twenty jobs listed, each step ran once.
      const listed = await engineInternals(plain.engine).deps.jobs.queryIndex({ index: 'gsi1', partition: listPartition(TENANT, LISTINGS[0]!) });
      expect(listed.keys).toHaveLength(20);
      expect(ids.map((id) => ran.get(id))).toEqual(ids.map(() => 1));

      // The deltas the throttle refused are re-derived once the tenant is quiet.
      await settle(stack, async () => {
        const cards = await readSummary(engineInternals(plain.engine).deps.jobs, TENANT);
        return cards.total === 20 && cards.completed === 20 && cards.active === 0;
      });
      const healthy = await get(`/api/summary?tenant=${TENANT}`);
      expect(await healthy.json()).toEqual({ total: 20, active: 0, completed: 20, failed: 0, canceled: 0 });
      const calm = await (await monitor.request('/jobs')).text();
      expect(calm).toMatch(/<p class="notice notice--warning" id="counts-degraded" role="status" hidden/);
    } finally {
      await stack.stop();
    }
  });

  it('the lane key: a tree whose children are dispatched through it finishes, each child once', async () => {
    const lanes: unknown[] = laneShards.map((shard) => lanePartition('normal', shard));
    const laneItems = rootLaneKey('', 'normal').pk;
    const { stack, throttle } = await throttledStack(emulators, (em) =>
      // The lane's index partition, and every write to a root's lane item (its entry lives there).
      throttleDynamo(em, (_, input) => valuesOf(input).some((value) => lanes.includes(value)) || partitionsOf(input).some((pk) => pk.startsWith(laneItems))),
    );
    try {
      const { job: root } = await stack.engine.submit({ type: 'TREE', tenant: TENANT, data: { children: 8 } });
      const finished = settle(stack, async () => (await engineInternals(stack.engine).deps.jobs.get(root.id))?.status === 'FINISHED');
      finished.catch(() => undefined); // awaited below
      // The root's spawns touch the lane first: the key stays hot a while after its first refusal.
      await eventually(() => Object.values(throttle.refused).length > 0, 30_000);
      await sleep(HOT_MS);
      throttle.cool();
      await finished;
      const done = await stack.engine.get(root.id, { tenant: TENANT });
      expect(done.childrenProgress).toEqual({ finished: 8, total: 8 });
      const children = await childIds(engineInternals(stack.engine).deps, root.id);
      expect(children).toHaveLength(8);
      expect(children.map((id) => ran.get(id))).toEqual(children.map(() => 1));
      expect(ran.get(root.id)).toBe(1);
    } finally {
      await stack.stop();
    }
  });
});
