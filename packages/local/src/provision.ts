import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '@stint/core';
import { QUEUES, REPORTS, WORKER } from '@stint/core/resource-spec';
import { tableDefinition } from '@stint/core/store';

export interface ProvisionedNames {
  tableName: string;
  bucketName: string;
  /** Prefix of the queue and topic names, so tests can own their queues and topic. */
  queuePrefix: string;
  /** Defaults to the deployment's (6 × worker timeout); tests shorten it to see redelivery. */
  visibilityTimeoutSeconds?: number;
}

export interface Provisioned {
  tableName: string;
  bucketName: string;
  queueUrls: Record<(typeof QUEUES)[number]['id'], string>;
  dlqUrls: Record<(typeof QUEUES)[number]['id'], string>;
  /** The topic scheduled-run reports are published to. */
  reportTopicArn: string;
}

/** Creates the table, queues (each with its DLQ), bucket and report topic, as the deployments do. Idempotent. */
export async function provision(clients: AwsClients, names: ProvisionedNames): Promise<Provisioned> {
  await createTable(clients, names.tableName);
  const queueUrls = {} as Provisioned['queueUrls'];
  const dlqUrls = {} as Provisioned['dlqUrls'];
  for (const queue of QUEUES) {
    const dlq = await createQueue(clients.sqs, `${names.queuePrefix}${queue.id}-dlq`, {
      MessageRetentionPeriod: String(queue.dlqRetentionDays * 86_400),
    });
    const dlqArn = await queueArn(clients.sqs, dlq);
    dlqUrls[queue.id] = dlq;
    queueUrls[queue.id] = await createQueue(clients.sqs, `${names.queuePrefix}${queue.id}`, {
      VisibilityTimeout: String(names.visibilityTimeoutSeconds ?? WORKER.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(queue.maxReceiveCount) }),
    });
  }
  await createBucket(clients.s3, names.bucketName);
  // CreateTopic answers an existing topic's ARN, so a restart finds the same topic.
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: `${names.queuePrefix}${REPORTS.topicId}` }));
  return { tableName: names.tableName, bucketName: names.bucketName, queueUrls, dlqUrls, reportTopicArn: topic.TopicArn! };
}

async function createTable(clients: AwsClients, tableName: string) {
  try {
    await clients.dynamo.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let i = 0; i < 100; i++) {
    const out = await clients.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/** Creates a queue, or answers the URL of the one already there. */
export async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return out.QueueUrl!;
}

export async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}

async function createBucket(s3: S3Client, bucket: string) {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}
