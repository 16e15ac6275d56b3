import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { Emulators } from '@stint/local/emulators';
import { provision } from '@stint/local/provision';
import { emulatorClients, uniqueName } from '../test/support/stack.ts';

/**
 * The floor: the bare minimum any durable queue-backed job system must do per job — three
 * single-item writes (accept, start, finish) and one SQS send, receive and delete — on the
 * same emulators, with the same concurrency as the pipeline.
 */
export async function runFloor(emulators: Emulators, jobs: number, concurrency: number): Promise<{ jobs: number; seconds: number; jobsPerSecond: number }> {
  const clients = emulatorClients(emulators);
  const provisioned = await provision(clients, { tableName: uniqueName('floor'), bucketName: uniqueName('floor'), queuePrefix: `${uniqueName('fq')}-` });
  const table = provisioned.tableName;
  const queue = provisioned.queueUrls.work;
  const put = (id: string, state: string) => clients.dynamo.send(new PutCommand({ TableName: table, Item: { pk: `J#${id}`, sk: 'J', state, at: Date.now() } }));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        const id = String(next++);
        await put(id, 'PENDING');
        await clients.sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: id }));
        let message: Message | undefined;
        while (!message) {
          message = (await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 1 }))).Messages?.[0];
        }
        await put(message.Body!, 'RUNNING');
        await put(message.Body!, 'FINISHED');
        await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: message.ReceiptHandle! }));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { jobs, seconds, jobsPerSecond: jobs / seconds };
}
