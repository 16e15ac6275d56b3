import { BUCKET } from '@stint/core/resource-spec';
import type { DeploymentSettings } from './spec-environment.ts';
import type { FunctionId, FunctionSpec, QueueId } from './spec-types.ts';

/**
 * Logical names of what a function may touch. Each front door resolves a name to ARNs, so
 * both generate the same least-privilege policy from the statements below. `exportBucket` is
 * the bucket itself (for listing); `exportFiles` its export folder's objects.
 */
export type ResourceName =
  | 'table'
  | 'tableIndexes'
  | 'tableStream'
  | 'streamFailures'
  | `${QueueId}Queue`
  | 'exportObjects'
  | 'exportBucket'
  | 'exportFiles'
  | 'reportTopic'
  | 'apiSecrets';

/** One IAM condition, e.g. `{ test: 'StringLike', variable: 's3:prefix', values: ['exports/*'] }`. */
export interface PermissionCondition {
  test: 'StringLike';
  variable: string;
  values: readonly string[];
}

export interface Permission {
  actions: readonly string[];
  resources: readonly ResourceName[];
  condition?: PermissionCondition;
}

const dynamodb = (...actions: string[]) => actions.map((a) => `dynamodb:${a}`);

/** Query is the only action the handlers use against an index; item actions address the table. */
const QUERY_INDEXES: Permission = { actions: dynamodb('Query'), resources: ['tableIndexes'] };

const SEND_SLICES: Permission = { actions: ['sqs:SendMessage'], resources: ['workQueue', 'lowQueue'] };

/** s3:PutObject also authorizes CreateMultipartUpload, UploadPart and CompleteMultipartUpload. */
const EXPORT_FILES: Permission = {
  actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
  resources: ['exportObjects'],
};

/** A scheduled run's report is published by whichever function ends the run. */
const PUBLISH_REPORTS: Permission = { actions: ['sns:Publish'], resources: ['reportTopic'] };

/** What Lambda's SQS poller calls with the function's role. */
export const QUEUE_CONSUMER_ACTIONS: readonly string[] = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

/** What Lambda's stream poller calls with the function's role. */
export const STREAM_CONSUMER_ACTIONS: readonly string[] = dynamodb('DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams');

/** Lambda sends the place of a stream batch it gave up on to the failure queue with the function's role too. */
const SEND_STREAM_FAILURES: Permission = { actions: ['sqs:SendMessage'], resources: ['streamFailures'] };

/** The calls each handler's code makes. Queue and stream consumption are added from FunctionSpec.consumes and tableStream. */
export const CODE_PERMISSIONS: Record<FunctionId, readonly Permission[]> = {
  api: [
    {
      actions: dynamodb('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem', 'BatchWriteItem'),
      resources: ['table'],
    },
    QUERY_INDEXES,
    SEND_SLICES,
    EXPORT_FILES,
    // Setting a schedule's report recipients subscribes each new address to the topic, with its filter policy.
    { actions: ['sns:Publish', 'sns:Subscribe'], resources: ['reportTopic'] },
    // The session secret and the admin token: read at cold start, by the api alone (no other role names them).
    { actions: ['secretsmanager:GetSecretValue'], resources: ['apiSecrets'] },
  ],
  worker: [
    {
      actions: dynamodb('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem', 'BatchWriteItem'),
      resources: ['table'],
    },
    QUERY_INDEXES,
    // The worker re-queues slices and stretches a message's visibility while a slice runs.
    { actions: ['sqs:SendMessage', 'sqs:ChangeMessageVisibility'], resources: ['workQueue', 'lowQueue'] },
    EXPORT_FILES,
    PUBLISH_REPORTS,
  ],
  // DeleteItem: a child submitted with parentId whose parent ended meanwhile is never accepted, and is deleted (adoption.ts).
  intake: [
    { actions: dynamodb('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchWriteItem'), resources: ['table'] },
    QUERY_INDEXES,
    SEND_SLICES,
    // A message that failed for the infrastructure is shown again after a backoff; its queue's URL is looked up by the ARN the event names.
    { actions: ['sqs:GetQueueUrl', 'sqs:ChangeMessageVisibility'], resources: ['intakeQueue'] },
  ],
  sweeper: [
    {
      // DeleteItem: its redo of an interrupted operation deletes the marker, and of a delete the jobs (cascade.ts).
      actions: dynamodb('GetItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem', 'PutItem', 'BatchWriteItem'),
      resources: ['table'],
    },
    QUERY_INDEXES,
    // The sweeper reads queue depth to decide how much parked work to release.
    { actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], resources: ['workQueue', 'lowQueue'] },
    PUBLISH_REPORTS,
  ],
  // Reads whether the job is gone, deletes its partition and its root's lane items (Query and
  // BatchWriteItem), settles a scheduled run's record and counts the job out of its cards.
  expiry: [{ actions: dynamodb('GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchWriteItem'), resources: ['table'] }],
};

/**
 * What the example records app's jobs need besides, granted only when a deployment registers
 * it (`STINT_DEPLOY_RECORDS_APP=true`): its cleanup (PURGE_EXPORTS) lists and deletes export
 * files, under the export folder only. ListObjectsV2 is authorized by s3:ListBucket on the
 * bucket, narrowed by the `s3:prefix` the call names; DeleteObjects by s3:DeleteObject per key.
 */
export const RECORDS_APP_PERMISSIONS: Partial<Record<FunctionId, readonly Permission[]>> = {
  worker: [
    {
      actions: ['s3:ListBucket'],
      resources: ['exportBucket'],
      condition: { test: 'StringLike', variable: 's3:prefix', values: [`${BUCKET.exportPrefix}*`] },
    },
    { actions: ['s3:DeleteObject'], resources: ['exportFiles'] },
  ],
};

/** Everything a function's role needs: its code's calls, its app's, and its event source mappings' polling. */
export function functionPermissions(fn: FunctionSpec, settings: Pick<DeploymentSettings, 'recordsApp'>): Permission[] {
  const polling: Permission[] = fn.consumes.length ? [{ actions: QUEUE_CONSUMER_ACTIONS, resources: fn.consumes.map((c) => `${c.queue}Queue` as const) }] : [];
  if (fn.tableStream) polling.push({ actions: STREAM_CONSUMER_ACTIONS, resources: ['tableStream'] }, SEND_STREAM_FAILURES);
  const app = settings.recordsApp ? (RECORDS_APP_PERMISSIONS[fn.id] ?? []) : [];
  return [...CODE_PERMISSIONS[fn.id], ...app, ...polling];
}

/** The one statement another service's role needs to submit jobs through the intake queue. */
export const SUBMIT_PERMISSION: Permission = { actions: ['sqs:SendMessage'], resources: ['intakeQueue'] };
