import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineJob, defineSchedule, NonRetriableError, type JobDefinition, type ScheduleDefinition } from '@stint/sdk';

/**
 * Job types for the crash-point tests. Every step records each execution in an item of its
 * own (`X#steps#<job>` / `<run>#<step>`, ADD runs 1) with no dedupe, so a test sees exactly
 * which steps ran how many times across a kill: a finished step that ran again, or a step
 * that never ran, is visible.
 */
export interface StepsData {
  steps: number;
  ms?: number;
}

export interface FanOutData {
  children: number;
  childType?: string;
  childData?: StepsData;
}

async function recordRun(dynamo: DynamoDBDocumentClient, tableName: string, jobId: string, run: number, step: string) {
  await dynamo.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { pk: `X#steps#${jobId}`, sk: `${run}#${step}` },
      UpdateExpression: 'ADD runs :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/** How many times each step of a job ran: `{ "0#s0": 1, ... }`. */
export async function stepRuns(dynamo: DynamoDBDocumentClient, tableName: string, jobId: string): Promise<Record<string, number>> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `X#steps#${jobId}` },
      ConsistentRead: true,
    }),
  );
  return Object.fromEntries((out.Items ?? []).map((item) => [item.sk as string, item.runs as number]));
}

/**
 * A switch in the table that BREAKABLE steps read, so a test can break a job in one process
 * and mend it before a retry in another.
 */
export async function setSwitch(dynamo: DynamoDBDocumentClient, tableName: string, name: string, broken: boolean): Promise<void> {
  const Key = { pk: `X#switch#${name}`, sk: '-' };
  if (broken) await dynamo.send(new PutCommand({ TableName: tableName, Item: Key }));
  else await dynamo.send(new DeleteCommand({ TableName: tableName, Key }));
}

export interface BreakableData extends StepsData {
  /** The step that fails while the switch is set. */
  breakAt: number;
  switch: string;
}

/** LIMITED_STEPS: one job per `key` at a time (per-key concurrency, concurrency-gate.ts). */
export interface LimitedStepsData extends StepsData {
  key: string;
}

function stepsJob(type: string, dynamo: DynamoDBDocumentClient, tableName: string, limited = false): JobDefinition<StepsData> {
  return defineJob<StepsData>({
    type,
    restartable: true,
    ...(limited ? { concurrency: { limit: 1, key: (data: StepsData) => (data as LimitedStepsData).key } } : {}),
    async run(ctx) {
      for (let i = 0; i < ctx.data.steps; i++) {
        await ctx.step(`s${i}`, async () => {
          await new Promise((resolve) => setTimeout(resolve, ctx.data.ms ?? 20));
          await recordRun(dynamo, tableName, ctx.job.id, 0, `s${i}`);
        });
        ctx.log.info(`step ${i} done`);
        ctx.progress(((i + 1) / ctx.data.steps) * 100);
      }
      return { steps: ctx.data.steps };
    },
  });
}

export function crashScenarioJobs(dynamo: DynamoDBDocumentClient, tableName: string): JobDefinition[] {
  return [
    stepsJob('STEPS', dynamo, tableName),
    // The same, under other names, so a crash point can pick one kind of job in a tree.
    stepsJob('LOW_STEPS', dynamo, tableName),
    stepsJob('CHILD_STEPS', dynamo, tableName),
    stepsJob('ADOPTED_STEPS', dynamo, tableName),
    stepsJob('SCHEDULED_STEPS', dynamo, tableName),
    stepsJob('LIMITED_STEPS', dynamo, tableName, true),
    defineJob<FanOutData>({
      type: 'FAN_OUT',
      async run(ctx) {
        for (let i = 0; i < ctx.data.children; i++) await ctx.spawn(ctx.data.childType ?? 'CHILD_STEPS', { ...(ctx.data.childData ?? { steps: 2 }), i });
        const outcomes = await ctx.waitForChildren();
        await ctx.step('after-children', () => recordRun(dynamo, tableName, ctx.job.id, 0, 'after-children'));
        return { children: outcomes.length, failed: outcomes.filter((o) => o.hasErrors).length };
      },
    }),
    defineJob<BreakableData>({
      type: 'BREAKABLE',
      retry: { maxAttempts: 1 },
      async run(ctx) {
        for (let i = 0; i < ctx.data.steps; i++) {
          await ctx.step(`s${i}`, async () => {
            await recordRun(dynamo, tableName, ctx.job.id, 0, `s${i}`);
            if (i !== ctx.data.breakAt) return;
            const set = await dynamo.send(new GetCommand({ TableName: tableName, Key: { pk: `X#switch#${ctx.data.switch}`, sk: '-' }, ConsistentRead: true }));
            if (set.Item) throw new NonRetriableError(`s${i} is broken`);
          });
        }
      },
    }),
    defineJob<{ ms: number }>({
      type: 'NAPPER',
      async run(ctx) {
        await ctx.step('s0', () => recordRun(dynamo, tableName, ctx.job.id, 0, 's0'));
        await ctx.sleep('nap', ctx.data.ms);
        await ctx.step('s1', () => recordRun(dynamo, tableName, ctx.job.id, 0, 's1'));
        return { wokeAt: await ctx.step('woke', () => Date.now()) };
      },
    }),
    defineJob<Record<string, never>>({
      type: 'FLAKY',
      retry: { maxAttempts: 3, backoffMs: 200 },
      async run(ctx) {
        await ctx.step('flaky', async () => {
          await recordRun(dynamo, tableName, ctx.job.id, 0, `attempt-${ctx.job.attempt}`);
          if (ctx.job.attempt === 1) throw new Error('first attempt fails');
        });
      },
    }),
  ];
}

/**
 * The schedule of the schedule crash points: installation-wide, so its runs are not among
 * tenant acme's roots, and nightly, so it fires only when a test makes its row due.
 */
export const CRASH_SCHEDULE: ScheduleDefinition = defineSchedule({
  id: 'crash-nightly',
  description: 'Two steps every night',
  jobType: 'SCHEDULED_STEPS',
  data: { steps: 2 },
  scope: 'installation',
  automatic: { cron: '0 3 * * *', timeZone: 'UTC' },
});
