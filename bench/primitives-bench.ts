import { defineJob } from '@stint/sdk';
import { JobStore } from '@stint/core/store';
import { createTestStack, emulatorClients, startEmulators } from '../test/support/stack.ts';
import { attachMeter, PRICES } from './meter.ts';
import { countBatches } from './pipeline.ts';

const USES = Number(process.env.BENCH_PRIMITIVE_USES ?? 50);
const SLEEP_MS = 1_000;

const step = (name: string) => () => name;
const BASE = defineJob({
  type: 'BASE',
  async run(ctx) {
    await ctx.step('a', step('a'));
    await ctx.step('b', step('b'));
  },
});
const SLEEPER = defineJob({
  type: 'SLEEPER',
  async run(ctx) {
    await ctx.step('a', step('a'));
    await ctx.sleep('nap', SLEEP_MS);
    await ctx.step('b', step('b'));
  },
});
const WAITER = defineJob({
  type: 'WAITER',
  async run(ctx) {
    await ctx.step('a', step('a'));
    await ctx.waitForEvent('go', { key: ctx.job.id, timeoutMs: 600_000 });
    await ctx.step('b', step('b'));
  },
});

/** BASE's two steps, at most `limit` at a time on one key. */
function limitedJob(type: string, limit: number) {
  return defineJob({
    type,
    concurrency: { limit, key: () => 'one-key' },
    async run(ctx) {
      await ctx.step('a', step('a'));
      await ctx.step('b', step('b'));
    },
  });
}
/** A limit no job reaches: what the gate costs a job that never waits. */
const LIMITED_FREE = limitedJob('LIMITED_FREE', 1_000);
/** Two at a time: nearly every job waits its turn in the key's blocked set. */
const LIMITED_QUEUED = limitedJob('LIMITED_QUEUED', 2);

interface Cost {
  writeUnits: number;
  readUnits: number;
  sqsRequests: number;
  lambdaInvocations: number;
  usd: number;
}

/**
 * What one durable sleep, one outside event and a concurrency limit (one job that never
 * waits for its key; one that waits its turn, USES jobs two at a time) cost beyond the same
 * job without them, on
 * DynamoDB Local (which reports index writes as AWS bills them): USES jobs of each shape, the
 * same two steps around the primitive, metered as the engine bench meters its pipeline. An
 * event counts its send (an api invocation) as well as the wait.
 */
export async function runPrimitivesBench() {
  const emulators = await startEmulators({ dynamo: 'dynamodb-local' });
  try {
    const stack = await createTestStack(emulators, { definitions: [BASE, SLEEPER, WAITER, LIMITED_FREE, LIMITED_QUEUED], concurrency: 4, batchSize: 10 });
    const meter = attachMeter(stack.clients);
    const batches = countBatches(stack);
    // The bench's own polling reads through a client without the meter.
    const watch = new JobStore(emulatorClients(emulators).dynamo, stack.config.tableName);
    const all = async (ids: string[], holds: (job: { status: string; eventWait?: unknown }) => boolean) =>
      [...(await watch.getMany(ids)).values()].every(holds);
    const finished = (ids: string[]) => all(ids, (job) => job.status === 'FINISHED');

    async function measure(type: string, between?: (ids: string[]) => Promise<number>): Promise<Cost> {
      meter.reset();
      batches.reset();
      const ids: string[] = [];
      for (let i = 0; i < USES; i++) ids.push((await stack.engine.submit({ type, tenant: 'bench' })).job.id);
      const extraInvocations = between ? await between(ids) : 0;
      // No sweeps: a sleep this short is woken by its delayed message, a wait by the event.
      await stack.runUntil(() => finished(ids), 120_000);
      const cost = {
        writeUnits: meter.writeUnits / USES,
        readUnits: meter.readUnits / USES,
        sqsRequests: meter.sqsRequests / USES,
        lambdaInvocations: (USES + batches.count + extraInvocations) / USES,
      };
      return { ...cost, usd: usdOf(cost) };
    }

    const base = await measure('BASE');
    const sleep = await measure('SLEEPER');
    const event = await measure('WAITER', async (ids) => {
      await stack.runUntil(() => all(ids, (job) => job.eventWait !== undefined), 120_000);
      for (const id of ids) await stack.engine.sendEvent({ tenant: 'bench', name: 'go', key: id });
      return ids.length;
    });
    const limited = await measure('LIMITED_FREE');
    const queued = await measure('LIMITED_QUEUED');
    await stack.stop();
    return {
      uses: USES,
      base: rounded(base),
      perSleep: rounded(minus(sleep, base)),
      perEvent: rounded(minus(event, base)),
      perLimitedJob: rounded(minus(limited, base)),
      perLimitedJobThatWaits: rounded(minus(queued, base)),
      note: 'the poller’s empty receives while jobs sleep or wait count as SQS requests, as an idle event source mapping’s would',
    };
  } finally {
    await emulators.stop();
  }
}

function usdOf(cost: Omit<Cost, 'usd'>): number {
  return (
    cost.writeUnits * PRICES.writeUnit + cost.readUnits * PRICES.readUnit + cost.sqsRequests * PRICES.sqsRequest + cost.lambdaInvocations * PRICES.lambdaRequest
  );
}

function minus(a: Cost, b: Cost): Cost & { usdPerMillionUses: number } {
  const diff = {
    writeUnits: a.writeUnits - b.writeUnits,
    readUnits: a.readUnits - b.readUnits,
    sqsRequests: a.sqsRequests - b.sqsRequests,
    lambdaInvocations: a.lambdaInvocations - b.lambdaInvocations,
  };
  return { ...diff, usd: usdOf(diff), usdPerMillionUses: usdOf(diff) * 1e6 };
}

function rounded<T extends object>(cost: T): T {
  return Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e8) / 1e8 : v])) as T;
}
