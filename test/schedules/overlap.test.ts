import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob, defineSchedule } from '@stint/sdk';
import { ADMIN_TENANT } from '@stint/core/auth/principal';
import { parseScheduleRunsQuery } from '@stint/core/schedules/schedule-input';
import { openCursors } from '@stint/core/query/cursor';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { gate } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';

const held = gate();
const SLOW = defineJob({
  type: 'SLOW',
  async run(ctx) {
    await ctx.step('wait', () => held.opened);
  },
});
const every = (id: string, overlap: 'allow' | 'skip') =>
  defineSchedule({ id, description: id, jobType: 'SLOW', data: {}, scope: 'installation', automatic: { cron: '*/10 * * * *', timeZone: 'UTC' }, overlap });

describe('overlapping runs', () => {
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.parse('2026-06-01T00:00:00Z');

  beforeAll(async () => {
    emulators = await startEmulators();
    stack = await createTestStack(emulators, {
      definitions: [SLOW],
      schedules: [every('may-overlap', 'allow'), every('no-overlap', 'skip')],
      clock: () => now,
    });
    await stack.engine.sweep();
  });
  afterAll(async () => {
    held.open();
    await stack?.stop();
    await emulators?.stop();
  });

  const runs = async (id: string) =>
    (await stack.engine.schedules.runs({ id, tenant: null }, { allTenants: true }, parseScheduleRunsQuery({}), openCursors)).items;

  it('a no-overlap schedule lets a slot pass while its previous run is active; the other starts a second run', async () => {
    now = Date.parse('2026-06-01T00:10:05Z');
    expect((await stack.engine.sweep()).schedulesStarted).toBe(2);
    await stack.runUntil(async () => (await runs('no-overlap'))[0]?.startDate != null);

    now = Date.parse('2026-06-01T00:20:05Z');
    const second = await stack.engine.sweep();
    expect(second).toMatchObject({ schedulesStarted: 1, schedulesSkipped: 1 });
    expect(await runs('may-overlap')).toHaveLength(2);
    expect(await runs('no-overlap')).toHaveLength(1);
    const row = await engineInternals(stack.engine).schedules.store.get(ADMIN_TENANT, 'no-overlap');
    expect(new Date(row!.nextRunAt!).toISOString()).toBe('2026-06-01T00:30:00.000Z');

    held.open();
    await stack.runUntil(async () => (await runs('no-overlap'))[0]?.runStatus === 'success');
    now = Date.parse('2026-06-01T00:30:05Z');
    expect(await stack.engine.sweep()).toMatchObject({ schedulesStarted: 2, schedulesSkipped: 0 });
    expect(await runs('no-overlap')).toHaveLength(2);
  });
});
