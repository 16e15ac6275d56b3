import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineJob } from '@stint/sdk';

/**
 * A job whose every step has a side effect that is NOT idempotent (a counter per step), so a
 * test can see exactly which steps ran how many times across a crash.
 */
export function countedStepsJob(dynamo: DynamoDBDocumentClient, tableName: string) {
  return defineJob<{ steps: number; ms: number }>({
    type: 'COUNTED_STEPS',
    async run(ctx) {
      for (let i = 0; i < ctx.data.steps; i++) {
        await ctx.step(`step-${i}`, async () => {
          await new Promise((r) => setTimeout(r, ctx.data.ms));
          await dynamo.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: `X#runs#${ctx.job.id}`, sk: String(i).padStart(4, '0') },
              UpdateExpression: 'ADD runs :one',
              ExpressionAttributeValues: { ':one': 1 },
            }),
          );
        });
        ctx.progress(((i + 1) / ctx.data.steps) * 100);
      }
      return { steps: ctx.data.steps };
    },
  });
}
