import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { BUCKET, functionPermissions, TABLE, TABLE_STREAM, type DeploymentSettings, type FunctionSpec, type QueueId, type ResourceName } from '../spec.ts';
import type { StintQueues } from './queues.ts';
import { secretResource } from './secrets.ts';

export interface PermissionTargets {
  table: dynamodb.ITable;
  queues: StintQueues;
  /** Where the table stream's consumer sends the place of batches it gave up on. */
  streamFailures: sqs.IQueue;
  bucket: s3.IBucket;
  reportTopic: sns.ITopic;
  /** The api's secrets: the generated session secret and the operator's admin token secret, if any. */
  secrets: { session: secretsmanager.ISecret; adminToken?: secretsmanager.ISecret };
  tableEncryptionKey?: kms.IKey;
}

/** ARNs of a logical resource name. Indexes are listed one by one rather than as `index/*`. */
export function resourceArns(name: ResourceName, targets: PermissionTargets): string[] {
  switch (name) {
    case 'table':
      return [targets.table.tableArn];
    case 'tableIndexes':
      return TABLE.indexes.map((index) => `${targets.table.tableArn}/index/${index.name}`);
    case 'tableStream':
      return [tableStreamArn(targets.table)];
    case 'streamFailures':
      return [targets.streamFailures.queueArn];
    case 'exportObjects':
      return [targets.bucket.arnForObjects('*')];
    case 'exportBucket':
      return [targets.bucket.bucketArn];
    case 'exportFiles':
      return [targets.bucket.arnForObjects(`${BUCKET.exportPrefix}*`)];
    case 'reportTopic':
      return [targets.reportTopic.topicArn];
    case 'apiSecrets':
      return [targets.secrets.session, ...(targets.secrets.adminToken ? [targets.secrets.adminToken] : [])].map(secretResource);
    default:
      return [targets.queues[name.slice(0, -'Queue'.length) as QueueId].queue.queueArn];
  }
}

export function tableStreamArn(table: dynamodb.ITable): string {
  if (!table.tableStreamArn) throw new Error(`the table has no stream; the expiry function reads its ${TABLE_STREAM.viewType} stream`);
  return table.tableStreamArn;
}

/** The role statements of one function, generated from the spec. */
export function policyStatements(fn: FunctionSpec, targets: PermissionTargets, settings: Pick<DeploymentSettings, 'recordsApp'>): iam.PolicyStatement[] {
  const statements = functionPermissions(fn, settings).map(
    ({ actions, resources, condition }) =>
      new iam.PolicyStatement({
        actions: [...actions],
        resources: resources.flatMap((name) => resourceArns(name, targets)),
        ...(condition ? { conditions: { [condition.test]: { [condition.variable]: [...condition.values] } } } : {}),
      }),
  );
  if (targets.tableEncryptionKey) {
    // With a customer-managed key, every table read and write is also a call on the key.
    statements.push(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        resources: [targets.tableEncryptionKey.keyArn],
      }),
    );
  }
  return statements;
}
