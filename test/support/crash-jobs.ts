import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineJob } from '@stint/sdk';

/** One execution of a step: which worker ran it, and when (ms, that worker's clock). */
export interface StepRun {
  step: string;
  by: string;
  at: number;
}

/**
 * Every execution of a step, each in its own item (`X#runs#<jobId>` / `<step>#<uuid>`). Nothing
 * is deduplicated or counted in place, so a step the engine runs twice shows as two items, even
 * when both executions race. The items share the jobs table but no key prefix of the engine.
 */
export class StepLedger {
  constructor(
    readonly dynamo: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async record(jobId: string, step: string, by: string): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `X#runs#${jobId}`, sk: `${step}#${randomUUID()}`, step, by, at: Date.now() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** The job's step executions, oldest first. */
  async runs(jobId: string): Promise<StepRun[]> {
    const runs: StepRun[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `X#runs#${jobId}` },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) runs.push({ step: item.step as string, by: item.by as string, at: item.at as number });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return runs.sort((a, b) => a.at - b.at);
  }

  /** How many times each step ran, by step name. */
  async counts(jobId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const run of await this.runs(jobId)) counts[run.step] = (counts[run.step] ?? 0) + 1;
    return counts;
  }
}

export const stepName = (i: number) => `step-${String(i).padStart(4, '0')}`;

/**
 * A job of `steps` steps of `ms` each, whose every execution is written to the ledger as worker
 * `by`: a test can see exactly which steps ran, how often and where, across a crash.
 */
export function countedStepsJob(ledger: StepLedger, by: string) {
  return defineJob<{ steps: number; ms: number }>({
    type: 'COUNTED_STEPS',
    async run(ctx) {
      for (let i = 0; i < ctx.data.steps; i++) {
        await ctx.step(stepName(i), async () => {
          await new Promise((r) => setTimeout(r, ctx.data.ms));
          await ledger.record(ctx.job.id, stepName(i), by);
        });
        ctx.progress(((i + 1) / ctx.data.steps) * 100);
      }
      return { steps: ctx.data.steps };
    },
  });
}
