import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually, gate } from '../support/gate.ts';
import { createTestStack, startEmulators, type Emulators } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * A claim held up past the settle grace: the first submission takes its key's only slot, then
 * freezes before writing its job. A second submission finds the key full, judges the first
 * token stale (its job is nowhere) and takes the slot. When the first job is written at last,
 * in flight with a token nobody holds, it must not run beside the second: its slice finds the
 * slot given away and the job waits its turn.
 */

/** Jobs inside their work now, and the most seen at once; the order they began and ended in. */
let running = 0;
let peak = 0;
const order: string[] = [];
let holdSecond = gate();

const SINGLE = defineJob<{ name: string }>({
  type: 'SINGLE',
  concurrency: { limit: 1, key: () => 'only' },
  async run(ctx) {
    await ctx.step('work', async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(`${ctx.data.name} began`);
      if (ctx.data.name === 'second') await holdSecond.opened;
      order.push(`${ctx.data.name} ended`);
      running--;
    });
  },
});

const GRACE_MS = 300;

describe.each(DYNAMO_BACKENDS)('a limited job whose claim was held up past the settle grace, on %s', (backend) => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });
  afterEach(() => setCrashPointHook(undefined));

  it('does not run beside the job its slot went to: it waits its turn, then runs', async () => {
    running = 0;
    peak = 0;
    order.length = 0;
    holdSecond = gate();
    const stack = await createTestStack(emulators, { definitions: [SINGLE], concurrency: 4, settleGraceMs: GRACE_MS });
    const frozen = gate();
    const thaw = gate();
    let froze = false;
    setCrashPointHook(async (point) => {
      if (point !== 'concurrency.slotTaken' || froze) return;
      froze = true;
      frozen.open();
      await thaw.opened;
    });
    try {
      stack.poller.start();
      const first = stack.engine.submit({ type: 'SINGLE', tenant: 'acme', data: { name: 'first' } });
      await frozen.opened;
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 200));
      const { job: second } = await stack.engine.submit({ type: 'SINGLE', tenant: 'acme', data: { name: 'second' } });
      await eventually(() => order.includes('second began'));

      thaw.open();
      const { job: held } = await first;
      // Its slice finds the slot given away and sends it to wait in its key's blocked set.
      await eventually(
        async () => order.includes('first began') || (await engineInternals(stack.engine).deps.jobs.get(held.id))?.concurrencyWait !== undefined,
      );
      expect(order).toEqual(['second began']);
      expect(stack.events.some((e) => e.type === 'warning' && e.message.includes('concurrency slot given away'))).toBe(true);

      holdSecond.open();
      await eventually(async () => (await stack.engine.get(held.id, { tenant: 'acme' })).status === 'FINISHED', 20_000);
      expect((await stack.engine.get(second.id, { tenant: 'acme' })).status).toBe('FINISHED');
      expect(order).toEqual(['second began', 'second ended', 'first began', 'first ended']);
      expect(peak).toBe(1);
    } finally {
      holdSecond.open();
      await stack.stop();
    }
  });
});
