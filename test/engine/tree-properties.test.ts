import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { isEnded } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import type { Operation } from '@stint/core/lifecycle';
import { readSummary } from '@stint/core/query/stats-reader';
import { jobIdOfPk, LISTINGS, listPartitions, type Listing } from '@stint/core/store/table-keys';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * Random trees under random operation sequences: after every step, once the tenant is quiet,
 * each listing's cards equal what its list holds (counted here, by the rule the monitor
 * documents: FINISHED with errors is failed, FINISHED without is completed) and no job's
 * parent is missing.
 */
const jobs = [
  defineJob<{ children: number; failing: number }>({
    type: 'TREE',
    async run(ctx) {
      await ctx.step('own-work', () => new Promise((resolve) => setTimeout(resolve, 30)));
      // Failing leaves alternate: one whose step throws (retry re-runs it), one that logs an error.
      for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('LEAF', { fail: i < ctx.data.failing ? (i % 2 === 0 ? 'throw' : 'log') : null });
      if (ctx.data.children > 0) await ctx.waitForChildren();
    },
  }),
  defineJob<{ fail: 'throw' | 'log' | null }>({
    type: 'LEAF',
    retry: { maxAttempts: 1 },
    async run(ctx) {
      await ctx.step('work', () => new Promise((resolve) => setTimeout(resolve, 40)));
      if (ctx.data.fail === 'throw') throw new Error('this record was refused');
      if (ctx.data.fail === 'log') ctx.log.error('this record was refused');
    },
  }),
];

type Command = { kind: 'submit'; children: number; failing: number } | { kind: 'apply'; operation: Operation; target: number };

const OPERATIONS: Operation[] = ['stop', 'resume', 'cancel', 'delete', 'set-low-priority', 'remove-low-priority', 'force-stop', 'retry'];
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('submit' as const), children: fc.integer({ min: 0, max: 3 }), failing: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('apply' as const), operation: fc.constantFrom(...OPERATIONS), target: fc.nat() }),
);

const MOVING = new Set(['PENDING', 'RUNNING', 'STOPPING', 'CANCELING']);

describe.each(DYNAMO_BACKENDS)('trees under random operations on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: jobs, tuning: { maxInFlightPerRoot: 2 } });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  async function listed(tenant: string, listing: Listing): Promise<JobRecord[]> {
    const ids: string[] = [];
    for (const partition of listPartitions(tenant, listing)) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await engineInternals(stack.engine).deps.jobs.queryIndex({ index: 'gsi1', partition, ...(startKey ? { startKey } : {}) });
        ids.push(...page.keys.map((key) => jobIdOfPk(key.pk!)));
        startKey = page.lastKey;
      } while (startKey);
    }
    return [...(await engineInternals(stack.engine).deps.jobs.getMany(ids)).values()];
  }

  function cards(records: JobRecord[]) {
    const count = (keep: (r: JobRecord) => boolean) => records.filter(keep).length;
    return {
      total: records.length,
      active: count((r) => !isEnded(r.status)),
      completed: count((r) => r.status === 'FINISHED' && !r.hasErrors),
      failed: count((r) => r.status === 'FINISHED' && r.hasErrors),
      canceled: count((r) => r.status === 'CANCELED'),
    };
  }

  /** Quiet: nothing moving (parked parents aside, which wait on stopped children), and a sweep has passed. */
  async function settle(tenant: string) {
    await stack.runUntil(async () => {
      const all = (await Promise.all(LISTINGS.map((listing) => listed(tenant, listing)))).flat();
      return all.every((r) => !MOVING.has(r.status) || (r.parked === 'waiting' && r.leaseExpiresAt === undefined));
    }, 60_000);
    await stack.engine.sweep();
  }

  it('keeps every listing’s cards equal to its list, and every child’s parent present', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 3, maxLength: 7 }), async (commands) => {
        const tenant = `prop-${run++}`;
        const roots: string[] = [];
        for (const step of commands) {
          if (step.kind === 'submit') {
            roots.push((await stack.engine.submit({ type: 'TREE', tenant, data: { children: step.children, failing: step.failing } })).job.id);
          } else if (roots.length > 0) {
            // Refusals (409 for a status that does not allow it, 404 after a delete) are part of the game.
            await stack.engine.apply(step.operation, roots[step.target % roots.length]!, { tenant }).catch((error: { code?: string }) => {
              if (error.code !== 'conflict' && error.code !== 'notFound') throw error;
            });
          }
          await settle(tenant);
          for (const listing of LISTINGS) {
            const records = await listed(tenant, listing);
            expect(
              await readSummary(engineInternals(stack.engine).deps.jobs, tenant, [listing]),
              `${JSON.stringify(listing)} after ${JSON.stringify(step)}`,
            ).toEqual(cards(records));
            if (listing.child) {
              const parents = await engineInternals(stack.engine).deps.jobs.getMany([...new Set(records.map((r) => r.parentId!))]);
              expect(records.filter((r) => !parents.has(r.parentId!)).map((r) => r.id)).toEqual([]);
            }
          }
        }
      }),
      { numRuns: 3, endOnFailure: true },
    );
  }, 600_000);
});
