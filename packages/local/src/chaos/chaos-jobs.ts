import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chaosExecutionKey, TableGateway } from '@stint/core/store';
import { defineJob, NonRetriableError, type JobContext, type JobDefinition } from '@stint/sdk';

/**
 * Job types for `npm run chaos` only (the local stack registers them when STINT_CHAOS=1).
 * Every execution of a step writes its own item, with no dedupe, so the chaos checks can
 * see a finished step that ran again (doubled) or one that never ran (missing).
 */
export const CHAOS_STEPS = 'CHAOS_STEPS';
export const CHAOS_TREE = 'CHAOS_TREE';
export const CHAOS_JOB_TYPES = [CHAOS_STEPS, CHAOS_TREE] as const;

/** The first step of every run draws a token: replays of the run see the same one, a restart a new one. */
export const RUN_TOKEN_STEP = 'run-token';
export const AFTER_CHILDREN_STEP = 'after-children';
export const stepName = (index: number) => `step-${String(index).padStart(3, '0')}`;

/** The start of the error a CHAOS_STEPS run fails with when its data asks it to. */
export const CHAOS_FAILURE = 'chaos: failing at step';

export interface StepExecution {
  jobId: string;
  token: string;
  step: string;
  execId: string;
  startedAt: number;
  endedAt: number;
}

export interface ChaosStepsData {
  steps: number;
  ms: number;
  /** Fails the run (NonRetriableError) when it reaches this step, which then never runs. */
  failAt?: number;
  /** A durable sleep of `ms` before step `at`: the job parks holding no worker, across kills. */
  nap?: { at: number; ms: number };
}

export interface ChaosTreeData {
  children: number;
  childSteps: number;
  ms: number;
}

export interface ChaosResults {
  token: string;
  /** The execution whose result each step checkpointed, in step order. */
  execs: string[];
}

export function chaosJobDefinitions(dynamo: DynamoDBDocumentClient, tableName: string): JobDefinition[] {
  const table = new TableGateway(dynamo, tableName);
  async function executeStep(ctx: JobContext<unknown, unknown>, token: string, step: string, ms: number): Promise<string> {
    return ctx.step(step, async () => {
      const startedAt = Date.now();
      await sleep(ms);
      const execution: StepExecution = { jobId: ctx.job.id, token, step, execId: randomUUID(), startedAt, endedAt: Date.now() };
      // Outside the job's own partition (chaosExecutionKey), so deleting the job keeps them.
      await table.put({ ...chaosExecutionKey(ctx.job.id, token, step, execution.execId), ...execution });
      return execution.execId;
    });
  }

  const steps = defineJob<ChaosStepsData, ChaosResults>({
    type: CHAOS_STEPS,
    restartable: true,
    label: (data) =>
      `Chaos: ${data.steps} steps of ${data.ms} ms${data.nap ? `, a ${data.nap.ms} ms sleep` : ''}${data.failAt !== undefined ? `, failing at ${data.failAt}` : ''}`,
    async run(ctx) {
      const token = await ctx.step(RUN_TOKEN_STEP, () => randomUUID());
      const execs: string[] = [];
      for (let i = 0; i < ctx.data.steps; i++) {
        if (ctx.data.nap?.at === i) await ctx.sleep('nap', ctx.data.nap.ms);
        if (ctx.data.failAt === i) throw new NonRetriableError(`${CHAOS_FAILURE} ${i}, as the job's data asks`);
        execs.push(await executeStep(ctx as JobContext<unknown, unknown>, token, stepName(i), ctx.data.ms));
        ctx.progress(((i + 1) / ctx.data.steps) * 100);
      }
      return { token, execs };
    },
  });

  const tree = defineJob<ChaosTreeData, ChaosResults>({
    type: CHAOS_TREE,
    restartable: true,
    label: (data) => `Chaos: tree of ${data.children} × ${data.childSteps} steps`,
    async run(ctx) {
      const token = await ctx.step(RUN_TOKEN_STEP, () => randomUUID());
      for (let i = 0; i < ctx.data.children; i++) {
        await ctx.spawn(CHAOS_STEPS, { steps: ctx.data.childSteps, ms: ctx.data.ms } satisfies ChaosStepsData);
      }
      await ctx.waitForChildren();
      return { token, execs: [await executeStep(ctx as JobContext<unknown, unknown>, token, AFTER_CHILDREN_STEP, ctx.data.ms)] };
    },
  });

  return [steps, tree];
}
