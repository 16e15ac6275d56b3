import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

const SCOPE = { tenant: 'acme' };

/** What each job's waits answered, in order, and how often its steps ran (no dedupe). */
const answers = new Map<string, unknown[]>();
const stepRuns = new Map<string, number>();

/** Waits for `approved` (key = its own id) with a timeout, then records the answer in a step. */
const APPROVAL = defineJob<{ timeoutMs: number; waits?: number }>({
  type: 'APPROVAL',
  async run(ctx) {
    await ctx.step('before', () => stepRuns.set(ctx.job.id, (stepRuns.get(ctx.job.id) ?? 0) + 1));
    for (let i = 0; i < (ctx.data.waits ?? 1); i++) {
      const answer = await ctx.waitForEvent('approved', { key: ctx.job.id, timeoutMs: ctx.data.timeoutMs });
      // A second wait for the same name and key needs its own step name: the event's order tells them apart.
      await ctx.step(`after-${i}`, () => answers.set(ctx.job.id, [...(answers.get(ctx.job.id) ?? []), answer]));
    }
  },
});

describe.each(DYNAMO_BACKENDS)('outside events on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [APPROVAL] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const job = (id: string) => stack.engine.get(id, SCOPE);
  const finished = (id: string) =>
    stack.runUntil(async () => {
      await stack.engine.sweep();
      return (await job(id)).status === 'FINISHED';
    }, 30_000);

  it('parks a job waiting for an event, holding no worker, and wakes it with the event’s data', async () => {
    const { job: waiting } = await stack.engine.submit({ type: 'APPROVAL', tenant: 'acme', data: { timeoutMs: 3_600_000 } });
    await stack.runUntil(async () => (await job(waiting.id)).waitingForEvent !== null);
    expect((await job(waiting.id)).waitingForEvent).toMatchObject({ name: 'approved', key: waiting.id });
    expect((await engineInternals(stack.engine).deps.jobs.get(waiting.id))?.leaseOwner).toBeUndefined();

    const sent = await stack.engine.sendEvent({ tenant: 'acme', name: 'approved', key: waiting.id, data: { by: 'ann' } });
    expect(sent.woken).toBe(1);
    await finished(waiting.id);
    expect(answers.get(waiting.id)).toEqual([{ by: 'ann' }]);
    expect(stepRuns.get(waiting.id)).toBe(1);
    expect((await job(waiting.id)).waitingForEvent).toBeNull();
  });

  it('takes an event sent before the wait began', async () => {
    const { job: waiting } = await stack.engine.submit({ type: 'APPROVAL', tenant: 'acme', data: { timeoutMs: 3_600_000 }, runAt: Date.now() + 1_000 });
    await stack.engine.sendEvent({ tenant: 'acme', name: 'approved', key: waiting.id, data: { early: true } });
    await finished(waiting.id);
    expect(answers.get(waiting.id)).toEqual([{ early: true }]);
  });

  it('takes one event once per wait, even delivered twice; a second wait takes the next event', async () => {
    const { job: waiting } = await stack.engine.submit({ type: 'APPROVAL', tenant: 'acme', data: { timeoutMs: 3_600_000, waits: 2 } });
    await stack.runUntil(async () => (await job(waiting.id)).waitingForEvent !== null);
    const first = { tenant: 'acme', name: 'approved', key: waiting.id, data: { n: 1 }, id: 'delivery-1' };
    await stack.engine.sendEvent(first);
    await stack.engine.sendEvent(first);
    // The second wait begins, finds delivery-1 taken, and waits for the next one.
    await stack.runUntil(async () => (answers.get(waiting.id)?.length ?? 0) === 1 && (await job(waiting.id)).waitingForEvent !== null);
    await stack.engine.sendEvent({ tenant: 'acme', name: 'approved', key: waiting.id, data: { n: 2 } });
    await finished(waiting.id);
    expect(answers.get(waiting.id)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('takes the oldest event of its name and key however many are kept, beyond one page', async () => {
    const { job: waiting } = await stack.engine.submit({ type: 'APPROVAL', tenant: 'acme', data: { timeoutMs: 3_600_000 }, runAt: Date.now() + 3_000 });
    const send = (id: string, data: Record<string, unknown>) => stack.engine.sendEvent({ tenant: 'acme', name: 'approved', key: waiting.id, data, id });
    // The oldest has the id that sorts last; 120 later ones sort before it.
    await send('z-oldest', { oldest: true });
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 120; i++) await send(`a-${String(i).padStart(3, '0')}`, { n: i });
    await finished(waiting.id);
    expect(answers.get(waiting.id)).toEqual([{ oldest: true }]);
  });

  it('answers null at the timeout', async () => {
    const { job: waiting } = await stack.engine.submit({ type: 'APPROVAL', tenant: 'acme', data: { timeoutMs: 1_500 } });
    await finished(waiting.id);
    expect(answers.get(waiting.id)).toEqual([null]);
  });

  it('does not cross tenants, and refuses a malformed event naming the field, writing nothing', async () => {
    const { job: waiting } = await stack.engine.submit({ type: 'APPROVAL', tenant: 'acme', data: { timeoutMs: 2_000 } });
    await stack.runUntil(async () => (await job(waiting.id)).waitingForEvent !== null);
    expect((await stack.engine.sendEvent({ tenant: 'globex', name: 'approved', key: waiting.id, data: { by: 'mallory' } })).woken).toBe(0);
    await expect(stack.engine.sendEvent({ tenant: 'acme', name: 'bad name!', key: waiting.id })).rejects.toMatchObject({ code: 'badRequest', field: 'name' });
    await expect(stack.engine.sendEvent({ tenant: 'acme', name: 'approved', key: '' })).rejects.toMatchObject({ code: 'badRequest', field: 'key' });
    await expect(stack.engine.sendEvent({ tenant: 'acme', name: 'approved', key: waiting.id, data: [] as never })).rejects.toMatchObject({
      code: 'badRequest',
      field: 'data',
    });
    await finished(waiting.id);
    expect(answers.get(waiting.id)).toEqual([null]);
  });
});
