import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { readSummary, summaryListings } from '@stint/core/query/stats-reader';
import { childIds } from '@stint/core/engine/job-tree';
import { engineInternals } from '@stint/core/testing';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { attachTestStack, createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { partitionsOf, throttleDynamo } from '../support/throttle.ts';

/**
 * What DynamoDB's TTL leaves of an ended job, removed by the engine when the table's stream
 * hands over the job's old image (packages/core/src/engine/expiry.ts): TTL removes the job's
 * item alone, so without this its logs, its checkpoints and its root's lane items would stay
 * in the table for good, and the cards would count it for good.
 *
 * Neither emulator runs TTL: the tests remove a job item as TTL does, without the engine, and
 * hand its image over as the stream would.
 */
const NODE = defineJob<{ children: number }>({
  type: 'NODE',
  async run(ctx) {
    await ctx.step('first', () => ctx.log.info('first step'));
    await ctx.step('second', () => ctx.log.info('second step'));
    for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('NODE', { children: 0 });
    if (ctx.data.children > 0) await ctx.waitForChildren();
  },
});

describe.each(DYNAMO_BACKENDS)('expired jobs on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [NODE] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;
  const cards = (tenant: string) => readSummary(jobs(), tenant, summaryListings({ children: true }));
  const partition = async (pk: string) => (await jobs().queryPartition(pk, '')).items.map((item) => item.sk as string);

  /** A finished tree of a root and `children` children, its ids root first, once its cards count it. */
  async function finishedTree(tenant: string, children: number, before = 0): Promise<string[]> {
    const { job } = await stack.engine.submit({ type: 'NODE', tenant, data: { children } });
    await stack.runUntil(async () => (await jobs().get(job.id))?.status === 'FINISHED');
    const ids = [job.id, ...(await childIds(engineInternals(stack.engine).deps, job.id))];
    await stack.runUntil(async () => (await cards(tenant)).completed === before + ids.length);
    return ids;
  }

  /** Removes the job items as TTL does, and answers their old images, as the stream carries them. */
  async function expire(ids: readonly string[]): Promise<Array<Record<string, unknown>>> {
    const images: Array<Record<string, unknown>> = [];
    for (const id of ids) {
      const item = await jobs().get(id);
      expect(item?.status).toBe('FINISHED');
      await jobs().delete({ pk: `J#${id}`, sk: 'J' });
      images.push(item as unknown as Record<string, unknown>);
    }
    return images;
  }

  it('removes an expired tree’s logs, checkpoints and lane items, and counts its jobs out of the cards', async () => {
    const tenant = 'expiring-tree';
    const [root, ...children] = await finishedTree(tenant, 2);
    // What TTL leaves behind: each job's log lines and at least its first step's checkpoint; the lane its children were dispatched through.
    for (const id of [root!, ...children]) expect(await partition(`J#${id}`)).toEqual(expect.arrayContaining(['C#first', 'J', expect.stringMatching(/^L#/)]));
    expect(await partition(`F#${root}`)).toEqual(['L#normal']);

    // TTL removes the children and the root in no particular order.
    const report = await stack.engine.expired(await expire([children[0]!, root!, children[1]!]));

    expect(report).toEqual({ cleaned: 3, ignored: 0 });
    for (const id of [root!, ...children]) expect(await partition(`J#${id}`)).toEqual([]);
    expect(await partition(`F#${root}`)).toEqual([]);
    expect(await cards(tenant)).toEqual({ total: 0, active: 0, completed: 0, failed: 0, canceled: 0 });
  });

  it('ignores an item that is not a job, and a job still there, keeping its logs and count', async () => {
    const tenant = 'still-here';
    const [kept] = await finishedTree(tenant, 0);
    const image = (await jobs().get(kept!)) as unknown as Record<string, unknown>;
    const checkpoint = (await jobs().queryPartition(`J#${kept}`, 'C#')).items[0]!;

    const report = await stack.engine.expired([image, checkpoint, { pk: 'T#still-here', sk: 'SUM#u' }]);

    expect(report).toEqual({ cleaned: 0, ignored: 3 });
    expect(await partition(`J#${kept}`)).toEqual(expect.arrayContaining(['C#first', 'J', expect.stringMatching(/^L#/)]));
    expect(await cards(tenant)).toMatchObject({ total: 1, completed: 1 });
  });

  it('stops at the first job it cannot clean and, retried from there, cleans the rest and counts each job out once', async () => {
    const tenant = 'retried';
    const ids = [...(await finishedTree(tenant, 0)), ...(await finishedTree(tenant, 0, 1)), ...(await finishedTree(tenant, 0, 2))];
    const images = await expire(ids);
    // The second job's partition cannot be written (throttled past the SDK's retries, as a dying process would leave it).
    const throttle = throttleDynamo(emulators, (command, input) => command === 'BatchWriteCommand' && partitionsOf(input).includes(`J#${ids[1]}`));
    const faulty = attachTestStack(throttle.clients, stack.provisioned, stack.config, { definitions: [NODE] });

    const first = await faulty.engine.expired(images);

    expect(first).toMatchObject({ cleaned: 1, ignored: 0, failed: { index: 1 } });
    expect(await partition(`J#${ids[0]}`)).toEqual([]);
    expect((await partition(`J#${ids[2]}`)).length).toBeGreaterThan(0);
    expect(await cards(tenant)).toMatchObject({ total: 2, completed: 2 });

    // The stream hands the batch over again from the record that failed.
    throttle.cool();
    expect(await faulty.engine.expired(images.slice(1))).toEqual({ cleaned: 2, ignored: 0 });
    for (const id of ids) expect(await partition(`J#${id}`)).toEqual([]);
    expect(await cards(tenant)).toEqual({ total: 0, active: 0, completed: 0, failed: 0, canceled: 0 });
  });
});
